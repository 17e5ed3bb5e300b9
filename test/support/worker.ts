import { inject } from 'vitest';
import type { EngineConfig } from '../../src/config';
import { connectDatabase } from '../../src/db/client';
import { startWorker } from '../../src/execution/worker';
import { createLogger } from '../../src/log';
import { masterKeyFrom } from '../../src/vault/master-key';
import { Vault } from '../../src/vault/vault';
import { captureLog } from './log-capture';

/** Short leases and retry delays keep engine tests fast; the rules are the same as in production. */
export const testEngineConfig: EngineConfig = {
  workerConcurrency: 4,
  leaseMs: 2_000,
  stepTimeoutMs: 3_000,
  stepMaxAttempts: 4,
  stepRetryBaseMs: 20,
  schedulerIntervalMs: 3_600_000,
};

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
    stop: async () => {
      await worker.stop();
      await database.close();
    },
  };
}
