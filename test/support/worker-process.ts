/**
 * A worker in its own OS process, for tests that kill one or run several: run from its bundle in dist-test/ (test/support/test-build.ts).
 * Reads TEST_DATABASE_URL, TEST_MASTER_KEY and optional EXECUTION_LEASE_MS / STEP_TIMEOUT_MS /
 * SHUTDOWN_DRAIN_MS / SCHEDULER_INTERVAL_MS / WORKER_CONCURRENCY.
 */
import { connectDatabase } from '../../src/db/client';
import { handleUnhandledRejections } from '../../src/execution/unhandled-rejections';
import { startWorker } from '../../src/execution/worker';
import { describeError } from '../../src/lib/describe-error';
import { createLogger } from '../../src/log';
import { masterKeyFrom } from '../../src/vault/master-key';
import { Vault } from '../../src/vault/vault';
import { testEngineConfig } from './engine-config';

const log = createLogger('warn');
handleUnhandledRejections(log, (reason) => {
  log.fatal({ err: describeError(reason) }, 'unhandled promise rejection; exiting');
  process.exit(1);
});
const database = connectDatabase(process.env.TEST_DATABASE_URL!, { max: Math.max(6, Number(process.env.WORKER_CONCURRENCY ?? 0)) });
const worker = await startWorker({
  db: database.db,
  database,
  vault: new Vault(masterKeyFrom(process.env.TEST_MASTER_KEY!)),
  log,
  config: {
    ...testEngineConfig,
    workerConcurrency: Number(process.env.WORKER_CONCURRENCY ?? testEngineConfig.workerConcurrency),
    leaseMs: Number(process.env.EXECUTION_LEASE_MS ?? testEngineConfig.leaseMs),
    stepTimeoutMs: Number(process.env.STEP_TIMEOUT_MS ?? Math.min(testEngineConfig.stepTimeoutMs, Number(process.env.EXECUTION_LEASE_MS ?? Infinity) - 100)),
    shutdownDrainMs: Number(process.env.SHUTDOWN_DRAIN_MS ?? testEngineConfig.shutdownDrainMs),
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
