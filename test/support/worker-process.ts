/**
 * A worker in its own OS process, for tests that kill one or run several: `node --import tsx this-file`.
 * Reads TEST_DATABASE_URL, TEST_MASTER_KEY and optional EXECUTION_LEASE_MS / SCHEDULER_INTERVAL_MS.
 */
import { connectDatabase } from '../../src/db/client';
import { startWorker } from '../../src/execution/worker';
import { createLogger } from '../../src/log';
import { masterKeyFrom } from '../../src/vault/master-key';
import { Vault } from '../../src/vault/vault';
import { testEngineConfig } from './engine-config';

const database = connectDatabase(process.env.TEST_DATABASE_URL!, { max: 6 });
const worker = await startWorker({
  db: database.db,
  database,
  vault: new Vault(masterKeyFrom(process.env.TEST_MASTER_KEY!)),
  log: createLogger('warn'),
  config: {
    ...testEngineConfig,
    leaseMs: Number(process.env.EXECUTION_LEASE_MS ?? testEngineConfig.leaseMs),
    schedulerIntervalMs: Number(process.env.SCHEDULER_INTERVAL_MS ?? testEngineConfig.schedulerIntervalMs),
  },
});
process.stdout.write(`ready ${worker.id}\n`);
// The test holds our stdin open; when the test process goes away (even killed), stdin ends and so do we.
process.stdin.resume();
process.stdin.once('end', () => process.exit(0));
process.once('SIGTERM', () => {
  void worker
    .stop()
    .then(() => database.close())
    .then(() => process.exit(0));
});
