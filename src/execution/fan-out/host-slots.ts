import { randomBytes } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { fanOutHostSlots } from '../../db/tables';

/** How long a waiting request sleeps before it asks for a slot again (plus as much jitter). */
const SLOT_POLL_MS = 15;

export type HostSlots = { parentExecutionId: string; maxPerHost: number; holdMs: number };

/**
 * Waits for one of the fan-out's `maxPerHost` slots on `host` and returns its release. One statement takes
 * a free slot (no row, or a row whose hold ran out): two workers that pick the same slot conflict on its
 * key, and the loser's ON CONFLICT finds the winner's live hold and takes nothing, so a slot has one holder
 * across all processes. A holder that dies keeps its slot until `holdMs` (a request is bounded by the step
 * timeout, which `holdMs` exceeds). `betweenPolls` runs while it waits (it throws to stop the wait: a run
 * that lost its execution).
 */
export async function acquireHostSlot(db: Db, slots: HostSlots, host: string, betweenPolls: () => Promise<void>): Promise<() => Promise<void>> {
  const holder = randomBytes(8).toString('hex');
  for (;;) {
    const taken = await db.execute<{ slot: number }>(sql`
      insert into ${fanOutHostSlots} (parent_execution_id, host, slot, holder, held_until)
      select ${slots.parentExecutionId}, ${host}, s, ${holder}, now() + ${`${slots.holdMs} milliseconds`}::interval
      from generate_series(0, ${slots.maxPerHost - 1}) s
      where not exists (
        select 1 from ${fanOutHostSlots} f
        where f.parent_execution_id = ${slots.parentExecutionId} and f.host = ${host} and f.slot = s and f.held_until > now())
      order by random()
      limit 1
      on conflict (parent_execution_id, host, slot) do update set holder = excluded.holder, held_until = excluded.held_until
        where ${fanOutHostSlots.heldUntil} <= now()
      returning slot`);
    const slot = taken.rows[0]?.slot;
    if (slot !== undefined) {
      return async () => {
        await db
          .delete(fanOutHostSlots)
          .where(
            and(
              eq(fanOutHostSlots.parentExecutionId, slots.parentExecutionId),
              eq(fanOutHostSlots.host, host),
              eq(fanOutHostSlots.slot, slot),
              eq(fanOutHostSlots.holder, holder),
            ),
          );
      };
    }
    await betweenPolls();
    await new Promise((resolve) => setTimeout(resolve, SLOT_POLL_MS + Math.random() * SLOT_POLL_MS));
  }
}
