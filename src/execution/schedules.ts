import { asc, lte, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { flowSchedules } from '../db/tables';
import { backfillFlowSchedules } from '../domain/instances/flow-schedules';
import { latestCronTick, nextCronTick } from '../domain/integrations/definition';
import { startExecutions } from '../domain/executions/start-execution';

/** Due schedules claimed per transaction: bounds a transaction's length after a long downtime. */
const CLAIM_BATCH = 500;

/** A process's scheduler: its first tick fills schedules deployed before they were rows, every tick fires what is due. */
export function scheduler(db: Db): () => Promise<void> {
  let backfilled = false;
  return async () => {
    if (!backfilled) await backfillFlowSchedules(db);
    backfilled = true;
    await fireDueSchedules(db, new Date());
  };
}

/**
 * Starts the executions of the schedules that are due (`flow_schedules.next_run_at` ≤ now) and moves each to
 * its next tick, in one transaction per batch. Every process calls this: a row is claimed with
 * `FOR UPDATE SKIP LOCKED`, so each due run starts once, and the unique (instance, flow, tick) index of
 * executions stays as the backstop. Ticks missed while no scheduler ran start one run, for the latest of
 * them, not a burst. Reads only due rows: a tick with nothing due is one indexed select, and each batch of
 * due runs costs five statements (claim, insert executions, add jobs, advance, commit) however many it holds.
 */
export async function fireDueSchedules(db: Db, now: Date): Promise<number> {
  let fired = 0;
  for (;;) {
    const { claimed, started } = await db.transaction(async (tx) => {
      const due = await tx
        .select()
        .from(flowSchedules)
        .where(lte(flowSchedules.nextRunAt, now))
        .orderBy(asc(flowSchedules.nextRunAt))
        .limit(CLAIM_BATCH)
        .for('update', { skipLocked: true });
      if (due.length === 0) return { claimed: 0, started: 0 };
      const runs = due.map((row) => ({ row, tick: latestCronTick(row.cron, row.nextRunAt, now, row.timeZone) }));
      const started = await startExecutions(
        tx,
        runs.map(({ row, tick }) => ({
          orgId: row.orgId,
          integrationId: row.integrationId,
          versionId: row.versionId,
          instanceId: row.instanceId,
          customerId: row.customerId,
          flowStableKey: row.flowStableKey,
          invokeType: 'SCHEDULED' as const,
          trigger: { body: {}, query: {}, headers: {} },
          scheduledFor: tick,
          fanOut: row.fanOut,
        })),
      );
      const advanced = runs.map(({ row, tick }) => ({ id: row.id, nextRunAt: nextCronTick(row.cron, tick, row.timeZone) }));
      await advance(tx, advanced);
      return { claimed: due.length, started: started.length };
    });
    fired += started;
    if (claimed < CLAIM_BATCH) return fired;
  }
}

/** Moves every claimed schedule to its next run in one statement. */
async function advance(tx: Pick<Db, 'execute'>, rows: { id: string; nextRunAt: Date }[]): Promise<void> {
  const values = sql.join(
    rows.map((row) => sql`(${row.id}::uuid, ${row.nextRunAt.toISOString()}::timestamptz)`),
    sql`, `,
  );
  await tx.execute(
    sql`update ${flowSchedules} set next_run_at = due.next_run_at from (values ${values}) as due(id, next_run_at) where ${flowSchedules.id} = due.id`,
  );
}
