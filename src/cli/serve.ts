import { startServer } from '../main';
import type { CommandDeps } from './index';

export async function serveCommand({ config, log }: CommandDeps, roles: { worker: boolean; http: boolean }) {
  const server = await startServer(config, log, roles);
  await new Promise<void>((resolve) => {
    const shutdown = (signal: NodeJS.Signals) => {
      log.info({ signal }, 'shutting down');
      server.stop().then(resolve, (error) => {
        log.error({ err: error }, 'shutdown failed');
        resolve();
      });
      // A second signal means "now": do not wait for in-flight work.
      process.once(signal, () => process.exit(1));
    };
    process.once('SIGTERM', shutdown);
    process.once('SIGINT', shutdown);
  });
}
