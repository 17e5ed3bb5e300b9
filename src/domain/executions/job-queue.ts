import { sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../db/client';
import { runNamed, type NamedStatement } from '../../db/named-statement';

export const ADVANCE_EXECUTION = 'advance-execution';

/**
 * graphile-worker's schema for tenantflow: a schema of its own, so another graphile-worker in the same
 * database (another application, another version migrating `graphile_worker`) cannot disturb this queue.
 * Jobs left in the old `graphile_worker` schema are not moved: every QUEUED execution without a live job
 * here gets a new one from the sweeper (`queuedWithoutLiveJob`, execution/engine/lease.ts), so nothing is
 * lost and the old schema can be dropped once no older version runs.
 */
export const JOB_QUEUE_SCHEMA = 'tenantflow_worker';

/**
 * The `add_job` call of "advance execution X" as SQL text over an execution id expression, for statements
 * whose text is a constant (an execution and its job inserted by one statement, start-execution.ts).
 */
export function addAdvanceJobSql(executionIdExpression: string): string {
  return `${JOB_QUEUE_SCHEMA}.add_job('${ADVANCE_EXECUTION}', json_build_object('executionId', ${executionIdExpression}::text), job_key => 'execution:' || ${executionIdExpression}::text, max_attempts => 10)`;
}

/**
 * Adds the job "advance execution X" in the caller's transaction, so an execution row and its job are
 * committed together or not at all. The job key makes a second enqueue of the same claim a no-op.
 */
export async function enqueueAdvance(db: DbOrTx, executionId: string, jobKey = `execution:${executionId}`, delayMs = 0) {
  await db.execute(
    sql`select ${sql.identifier(JOB_QUEUE_SCHEMA)}.add_job(${ADVANCE_EXECUTION}, json_build_object('executionId', ${executionId}::text), job_key => ${jobKey}, max_attempts => 10, run_at => now() + ${`${delayMs} milliseconds`}::interval)`,
  );
}

/** `enqueueAdvance` for many executions in one statement (a fan-out dispatches its children in batches). */
export async function enqueueAdvanceMany(db: DbOrTx, executionIds: readonly string[]) {
  if (executionIds.length === 0) return;
  await db.execute(
    sql`select ${sql.identifier(JOB_QUEUE_SCHEMA)}.add_job(${ADVANCE_EXECUTION}, json_build_object('executionId', id::text), job_key => 'execution:' || id::text, max_attempts => 10)
        from unnest(${`{${executionIds.join(',')}}`}::uuid[]) as id`,
  );
}

const WAKE_JOB_QUEUE: NamedStatement = { name: 'tf_wake_job_queue', text: `select pg_notify('jobs:insert', '{"count":1}')` };

/**
 * Workers are woken by NOTIFY when a job is added and otherwise poll rarely (execution/worker.ts), so a job
 * added to run later (a held execution's retry, graphile-worker's retry of a failed job) is announced again
 * by this process when it is due. Best effort: the poll still finds it if the database is away by then.
 */
export function wakeJobQueueAfter(db: Db, delayMs: number) {
  const timer = setTimeout(() => void runNamed(db, WAKE_JOB_QUEUE, []).catch(() => {}), delayMs + 10);
  timer.unref();
}
