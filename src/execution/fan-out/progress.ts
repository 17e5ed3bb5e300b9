import { and, eq, isNotNull, isNull, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../db/client';
import { executions, fanOutHostSlots } from '../../db/tables';
import { enqueueAdvanceMany } from '../../domain/executions/job-queue';
import { FAN_OUT_DEFAULT_MAX_CONCURRENCY } from '../../domain/integrations/definition';
import { bucketOf, fanOutEnd, type FanOutCounts } from '../../domain/executions/fan-out-counts';

/**
 * Moves a fan-out on, whoever calls: its worker after inserting a batch, each child as it ends, and the
 * sweeper as a safety net. Under the parent's row lock it
 * - dispatches undispatched children (gives them their job) while fewer than `maxConcurrency` dispatched
 *   children have not ended: so at most that many are RUNNING at once, across all workers, and the rest
 *   wait without a job, without polling and without a worker;
 * - ends the parent once it has inserted all its children (it waits: RUNNING without lease) and every one
 *   has ended: SUCCEEDED when all succeeded, else FAILED with the counts.
 * Idempotent: calling it twice, or concurrently, changes nothing more.
 */
export async function advanceFanOut(db: Db, parentId: string): Promise<void> {
  await db.transaction(async (tx) => {
    const [parent] = await tx
      .select({ status: executions.status, fanOut: executions.fanOut, leaseUntil: executions.leaseUntil })
      .from(executions)
      .where(eq(executions.id, parentId))
      .for('update');
    if (!parent?.fanOut || parent.status !== 'RUNNING') return;
    const counts = await countChildren(tx, parentId);
    const free = (parent.fanOut.maxConcurrency ?? FAN_OUT_DEFAULT_MAX_CONCURRENCY) - counts.dispatchedUnfinished;
    if (free > 0 && counts.undispatched > 0) await dispatch(tx, parentId, free);
    const waiting = parent.leaseUntil === null;
    if (waiting && counts.queued + counts.running === 0) await endParent(tx, parentId, counts);
  });
}

type ChildCounts = FanOutCounts & { dispatchedUnfinished: number; undispatched: number };

async function countChildren(tx: DbOrTx, parentId: string): Promise<ChildCounts> {
  const rows = await tx
    .select({ status: executions.status, dispatched: sql<boolean>`${executions.dispatchedAt} is not null`, n: sql<number>`count(*)::int` })
    .from(executions)
    .where(eq(executions.parentExecutionId, parentId))
    .groupBy(executions.status, sql`${executions.dispatchedAt} is not null`);
  const counts: ChildCounts = { total: 0, queued: 0, running: 0, succeeded: 0, failed: 0, dispatchedUnfinished: 0, undispatched: 0 };
  for (const { status, dispatched, n } of rows) {
    counts.total += n;
    counts[bucketOf(status)] += n;
    if (!dispatched) counts.undispatched += n;
    else if (status !== 'SUCCEEDED' && status !== 'FAILED') counts.dispatchedUnfinished += n;
  }
  return counts;
}

// Oldest instance first, so a fan-out proceeds in a stable order whoever dispatches.
async function dispatch(tx: DbOrTx, parentId: string, free: number) {
  const dispatched = await tx.execute<{ id: string }>(sql`
    update ${executions} set dispatched_at = now()
    where id in (
      select id from ${executions}
      where parent_execution_id = ${parentId} and dispatched_at is null and status = 'QUEUED'
      order by instance_id limit ${free})
    returning id`);
  await enqueueAdvanceMany(
    tx,
    dispatched.rows.map((r) => r.id),
  );
}

async function endParent(tx: DbOrTx, parentId: string, counts: FanOutCounts) {
  const end = fanOutEnd(counts);
  await tx
    .update(executions)
    .set({ status: end.status, result: end.result, error: end.error, endedAt: new Date() })
    .where(and(eq(executions.id, parentId), eq(executions.status, 'RUNNING'), isNull(executions.leaseUntil)));
  await tx.delete(fanOutHostSlots).where(eq(fanOutHostSlots.parentExecutionId, parentId));
}

/** Fan-out parents waiting for their children: the sweeper advances each (a lost child end cannot stall one). */
export async function waitingFanOuts(db: Db, limit = 100): Promise<{ id: string }[]> {
  return db
    .select({ id: executions.id })
    .from(executions)
    .where(and(eq(executions.status, 'RUNNING'), isNull(executions.leaseUntil), isNotNull(executions.fanOut)))
    .limit(limit);
}
