import { inject } from 'vitest';
import type { EngineConfig } from '../../src/config';
import { testEngineConfig } from './engine-config';
import { connectDatabase } from '../../src/db/client';
import { startWorker } from '../../src/execution/worker';
import { createLogger } from '../../src/log';
import { masterKeyFrom } from '../../src/vault/master-key';
import { Vault } from '../../src/vault/vault';
import { captureLog } from './log-capture';
import { builtTestProcess } from './test-build';

/** A real worker (graphile-worker + lease sweeper) in this test process, on its own connection pool. */
export async function startTestWorker(overrides: Partial<EngineConfig> = {}) {
  const database = connectDatabase(inject('databaseUrl'), { max: 6 });
  const vault = new Vault(masterKeyFrom(inject('masterKey')));
  const worker = await startWorker({
    db: database.db,
    database,
    vault,
    log: createLogger('info', captureLog),
    config: { ...testEngineConfig, ...overrides },
  });
  return {
    id: worker.id,
    problem: worker.problem,
    onProblemChange: worker.onProblemChange,
    stop: async () => {
      await worker.stop();
      await database.close();
    },
  };
}

/** A worker in a child process (see worker-process.ts); resolves once it is ready. */
export async function spawnWorker(env: Record<string, string> = {}) {
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, [builtTestProcess('worker-process')], {
    env: { ...process.env, TEST_DATABASE_URL: inject('databaseUrl'), TEST_MASTER_KEY: inject('masterKey'), ...env },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const id = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('worker process did not start in 20 s')), 20_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      const match = /ready (\S+)/.exec(String(chunk));
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`worker process exited with ${code}`)));
  });
  let running = true;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      running = false;
      resolve();
    }),
  );
  return {
    id,
    /** False once the process has exited (for whatever reason). */
    running: () => running,
    kill: async (signal: NodeJS.Signals = 'SIGKILL') => {
      child.kill(signal);
      await exited;
    },
  };
}

export { testEngineConfig };
