import { and, eq, inArray, isNotNull, isNull, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../db/client';
import { executions, fanOutHostSlots } from '../../db/tables';
import { enqueueAdvanceMany } from '../../domain/executions/job-queue';
import { FAN_OUT_DEFAULT_MAX_CONCURRENCY } from '../../domain/integrations/definition';
import { fanOutCountsOf, fanOutEnd, type FanOutCounts } from '../../domain/executions/fan-out-counts';
import { systemActor } from '../../domain/actor';
import type { Logger } from '../../log';
import { executionFields } from '../lifecycle-log';

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
export async function advanceFanOut(db: Db, parentId: string, log: Logger): Promise<void> {
  await db.transaction(async (tx) => {
    const [parent] = await tx
      .select({ orgId: executions.orgId, status: executions.status, fanOut: executions.fanOut, leaseUntil: executions.leaseUntil })
      .from(executions)
      .where(eq(executions.id, parentId))
      .for('update');
    if (!parent?.fanOut || parent.status !== 'RUNNING') return;
    // Both reads stay within the children that have not ended (executions_fan_out_pending), so a child's end
    // costs the same with 10 customers as with 10,000.
    const inFlight = await dispatchedUnfinished(tx, parentId);
    const free = (parent.fanOut.maxConcurrency ?? FAN_OUT_DEFAULT_MAX_CONCURRENCY) - inFlight;
    const dispatched = free > 0 ? await dispatch(tx, parentId, free) : 0;
    const waiting = parent.leaseUntil === null;
    if (waiting && inFlight + dispatched === 0) {
      const counts = await fanOutCountsOf(tx, systemActor(parent.orgId), [parentId]);
      await endParent(tx, parentId, parent.orgId, counts.get(parentId)!, log);
    }
  });
}

async function dispatchedUnfinished(tx: DbOrTx, parentId: string): Promise<number> {
  const [row] = await tx
    .select({ n: sql<number>`count(*)::int` })
    .from(executions)
    .where(and(eq(executions.parentExecutionId, parentId), isNotNull(executions.dispatchedAt), unfinished));
  return row?.n ?? 0;
}

const unfinished = inArray(executions.status, ['QUEUED', 'RUNNING', 'AUTHENTICATION_NEEDED']);

/** Gives the next `free` undispatched children their job, oldest instance first; returns how many. */
async function dispatch(tx: DbOrTx, parentId: string, free: number): Promise<number> {
  const dispatched = await tx.execute<{ id: string }>(sql`
    update ${executions} set dispatched_at = now()
    where id in (
      select id from ${executions}
      where parent_execution_id = ${parentId} and dispatched_at is null and status in ('QUEUED', 'RUNNING', 'AUTHENTICATION_NEEDED')
      order by instance_id limit ${free})
    returning id`);
  const ids = dispatched.rows.map((r) => r.id);
  await enqueueAdvanceMany(tx, ids);
  return ids.length;
}

async function endParent(tx: DbOrTx, parentId: string, orgId: string, counts: FanOutCounts, log: Logger) {
  const end = fanOutEnd(counts);
  const [ended] = await tx
    .update(executions)
    .set({ status: end.status, result: end.result, error: end.error, endedAt: new Date() })
    .where(and(eq(executions.id, parentId), eq(executions.status, 'RUNNING'), isNull(executions.leaseUntil)))
    .returning({ createdAt: executions.createdAt, startedAt: executions.startedAt });
  // The same end line as every execution's (lifecycle-log.ts), with the children's counts.
  if (ended) {
    const line = {
      ...executionFields({ id: parentId, orgId, customerId: null }),
      status: end.status,
      durationMs: Date.now() - (ended.startedAt ?? ended.createdAt).getTime(),
      children: counts,
    };
    if (end.status === 'SUCCEEDED') log.info(line, 'execution succeeded');
    else log.warn(line, 'execution failed');
  }
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
