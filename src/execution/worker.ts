import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { Logger, run, type Runner } from 'graphile-worker';
import type { Database } from '../db/client';
import { advanceExecution } from './engine/advance-execution';
import { expiredLeases } from './engine/lease';
import { outgoingHttp, type OutgoingHttp } from './http/outgoing-http';
import type { EngineDeps } from './engine/run-flow';
import { ADVANCE_EXECUTION, enqueueAdvance } from '../domain/executions/job-queue';
import { fireDueSchedules } from './schedules';

export type RunningWorker = { id: string; stop: () => Promise<void> };

/**
 * A worker process's part: graphile-worker runs "advance execution" jobs; a sweeper hands executions whose
 * lease ran out (their worker died) to a new job, long before graphile-worker's own 4-hour lock expires;
 * the scheduler fires due schedule ticks (each tick once, whatever the number of processes).
 */
export async function startWorker(
  workerDeps: Omit<EngineDeps, 'http'> & { database: Database; /** Only a benchmark passes its own. */ http?: OutgoingHttp },
): Promise<RunningWorker> {
  const deps = { ...workerDeps, http: workerDeps.http ?? outgoingHttp(workerDeps.config) };
  const id = `${os.hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const runner: Runner = await run({
    pgPool: deps.database.pool,
    concurrency: deps.config.workerConcurrency,
    noHandleSignals: true,
    pollInterval: 1000,
    logger: graphileLogger(deps),
    taskList: {
      [ADVANCE_EXECUTION]: async (payload) => {
        const { executionId } = payload as { executionId: string };
        await advanceExecution(deps, id, executionId);
      },
    },
  });

  const sweep = async () => {
    for (const lapsed of await expiredLeases(deps.db)) {
      await enqueueAdvance(deps.db, lapsed.id, `reclaim:${lapsed.id}:${lapsed.claims}`);
    }
  };
  const timers = [
    repeat(sweep, Math.max(250, deps.config.leaseMs / 2), deps),
    repeat(() => fireDueSchedules(deps.db, new Date()).then(() => {}), deps.config.schedulerIntervalMs, deps),
  ];
  deps.log.info({ workerId: id, concurrency: deps.config.workerConcurrency }, 'worker started');

  return {
    id,
    stop: async () => {
      for (const stop of timers) stop();
      // Waits for running jobs: in-flight executions finish (or, past the lease, are resumed elsewhere).
      await runner.stop();
      if (!workerDeps.http) await deps.http.close();
    },
  };
}

function repeat(task: () => Promise<void>, everyMs: number, deps: EngineDeps) {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    task()
      .catch((error) => deps.log.warn({ err: error }, 'background engine task failed'))
      .finally(() => (running = false));
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

function graphileLogger(deps: EngineDeps) {
  return new Logger(() => (level, message) => {
    if (level === 'error') deps.log.error({ graphileWorker: message }, 'job queue error');
    else if (level === 'warning') deps.log.warn({ graphileWorker: message }, 'job queue warning');
    else deps.log.debug({ graphileWorker: message }, 'job queue');
  });
}
