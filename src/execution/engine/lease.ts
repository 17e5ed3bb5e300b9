import { and, eq, lt, or, sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { executions } from '../../db/tables';
import type { Execution } from '../../domain/executions/start-execution';

/**
 * Takes an execution for this worker: a QUEUED one, or a RUNNING one whose lease has run out (its worker
 * died). One UPDATE decides, so two workers never run one execution at once.
 */
export async function claimExecution(db: Db, id: string, owner: string, leaseMs: number): Promise<Execution | null> {
  const [row] = await db
    .update(executions)
    .set({
      status: 'RUNNING',
      leaseOwner: owner,
      leaseUntil: sql`now() + ${`${leaseMs} milliseconds`}::interval`,
      claims: sql`${executions.claims} + 1`,
      startedAt: sql`coalesce(${executions.startedAt}, now())`,
    })
    .where(
      and(
        eq(executions.id, id),
        or(eq(executions.status, 'QUEUED'), and(eq(executions.status, 'RUNNING'), lt(executions.leaseUntil, sql`now()`))),
      ),
    )
    .returning();
  return row ?? null;
}

/** Extends the lease; false when another worker has taken the execution over (this one must stop). */
export async function renewLease(db: Db, id: string, owner: string, leaseMs: number): Promise<boolean> {
  const rows = await db
    .update(executions)
    .set({ leaseUntil: sql`now() + ${`${leaseMs} milliseconds`}::interval` })
    .where(and(eq(executions.id, id), eq(executions.leaseOwner, owner), eq(executions.status, 'RUNNING')))
    .returning({ id: executions.id });
  return rows.length === 1;
}

/** Executions whose worker stopped renewing: candidates to hand to another worker. */
export async function expiredLeases(db: Db, limit = 100): Promise<{ id: string; claims: number }[]> {
  return db
    .select({ id: executions.id, claims: executions.claims })
    .from(executions)
    .where(and(eq(executions.status, 'RUNNING'), lt(executions.leaseUntil, sql`now()`)))
    .limit(limit);
}
