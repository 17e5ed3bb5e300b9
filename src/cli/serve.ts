import { startServer } from '../main';
import type { CommandDeps } from './index';
import { reportWorkerStatus } from './worker-status';
import type { SupervisedWorker } from './worker-supervisor';

/** A signal this soon after the first is the same request to stop, delivered twice. */
const REPEATED_SIGNAL_MS = 1_000;

/**
 * `serve` runs the API here and the flow worker in a child process (`--no-worker`: API only); `worker`
 * runs the worker alone. A flow's CPU-heavy templates then never delay another organization's queries.
 */
export async function serveCommand({ config, log }: CommandDeps, roles: { worker: boolean; http: boolean }) {
  const separateWorker = roles.http && roles.worker;
  let worker: SupervisedWorker | null = null;
  const server = await startServer(config, log, {
    http: roles.http,
    worker: roles.worker && !separateWorker,
    // /readyz answers for the worker process too: 503 while it is down, starting or restarting its runner.
    workerProblem: separateWorker ? () => (worker ? worker.problem() : 'worker process starting') : undefined,
    workerMetrics: async () => (await worker?.metrics()) ?? null,
  });
  // The child is started once the database it attaches to runs. (Imported here, like the metrics channel
  // below: their metrics registry is not needed before the server answers.)
  worker = separateWorker ? (await import('./worker-supervisor')).superviseWorker(log, config.engine) : null;
  // A worker process started by `serve` tells it whether it takes jobs, and hands its metrics to the parent's /metrics.
  if (server.worker && process.connected) reportWorkerStatus(server.worker);
  if (!roles.http && process.connected) (await import('../metrics/worker-channel')).answerMetricsRequests();
  await new Promise<void>((resolve) => {
    let stopping = false;
    const shutdown = (reason: string) => {
      if (stopping) return;
      stopping = true;
      log.info({ reason }, 'shutting down');
      // New requests are refused first and the ones in flight answered; then the worker child stops, before
      // the database it uses (this process may own the embedded PostgreSQL) stops last.
      (async () => {
        await server.stopAccepting();
        await worker?.stop();
        await server.stop();
      })().then(resolve, (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exitCode = 1;
        resolve();
      });
      // A second signal means "now": do not wait for in-flight work. A Ctrl-C under `npm start` arrives twice
      // (from the terminal, and forwarded by npm) within milliseconds: that is still the first.
      const firstSignalAt = Date.now();
      for (const signal of ['SIGTERM', 'SIGINT'] as const) {
        process.on(signal, () => {
          if (Date.now() - firstSignalAt >= REPEATED_SIGNAL_MS) process.exit(1);
        });
      }
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
    // A worker started by `serve` must not outlive it, even when `serve` was killed.
    if (process.connected) process.once('disconnect', () => shutdown('parent process gone'));
  });
  // An open channel to the parent would keep this process alive after its work has stopped.
  if (process.connected) process.disconnect();
}
