import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';

export const ADVANCE_EXECUTION = 'advance-execution';

/**
 * Adds the job "advance execution X" in the caller's transaction, so an execution row and its job are
 * committed together or not at all. The job key makes a second enqueue of the same claim a no-op.
 */
export async function enqueueAdvance(db: DbOrTx, executionId: string, jobKey = `execution:${executionId}`, delayMs = 0) {
  await db.execute(
    sql`select graphile_worker.add_job(${ADVANCE_EXECUTION}, json_build_object('executionId', ${executionId}::text), job_key => ${jobKey}, max_attempts => 10, run_at => now() + ${`${delayMs} milliseconds`}::interval)`,
  );
}
