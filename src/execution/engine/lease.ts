import { and, eq, gt, isNotNull, lt, ne, or, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../db/client';
import { customers, executions } from '../../db/tables';
import { enqueueAdvance, JOB_QUEUE_SCHEMA } from '../../domain/executions/job-queue';
import type { Execution } from '../../domain/executions/start-execution';

/** How long an execution held back by its customer's concurrency limit waits before it asks again (plus jitter). */
const HELD_RETRY_MS = 200;

const claimable = (id: string) =>
  and(eq(executions.id, id), or(eq(executions.status, 'QUEUED'), and(eq(executions.status, 'RUNNING'), lt(executions.leaseUntil, sql`now()`))));

const limitOfCustomer = sql`(select ${customers.concurrentExecutionLimit} from ${customers} where ${customers.id} = ${executions.customerId})`;

/**
 * Takes an execution for this worker: a QUEUED one, or a RUNNING one whose lease has run out (its worker
 * died). One UPDATE decides, so two workers never run one execution at once.
 *
 * A customer with a `concurrentExecutionLimit` has at most that many executions RUNNING (with a live lease)
 * at once: a claim past the limit leaves the execution QUEUED and gives it a new job a moment later, so it
 * starts when a slot frees, without failing and without a worker waiting on it.
 */
export async function claimExecution(db: Db, id: string, owner: string, leaseMs: number): Promise<Execution | null> {
  const [row] = await db
    .update(executions)
    .set(leaseFor(owner, leaseMs))
    .where(and(claimable(id), sql`${limitOfCustomer} is null`))
    .returning();
  return row ?? claimUnderLimit(db, id, owner, leaseMs);
}

function leaseFor(owner: string, leaseMs: number) {
  return {
    status: 'RUNNING' as const,
    leaseOwner: owner,
    leaseUntil: sql`now() + ${`${leaseMs} milliseconds`}::interval`,
    claims: sql`${executions.claims} + 1`,
    startedAt: sql`coalesce(${executions.startedAt}, now())`,
  };
}

// Counting and claiming under one lock per customer: without it, two workers could each count a free slot.
async function claimUnderLimit(db: Db, id: string, owner: string, leaseMs: number): Promise<Execution | null> {
  return db.transaction(async (tx) => {
    const [limited] = await tx
      .select({ customerId: executions.customerId, limit: customers.concurrentExecutionLimit })
      .from(executions)
      .innerJoin(customers, eq(customers.id, executions.customerId))
      .where(and(claimable(id), isNotNull(customers.concurrentExecutionLimit)));
    if (!limited) return null;
    await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`execution-limit:${limited.customerId}`}, 0))`);
    if ((await runningOf(tx, limited.customerId!, id)) >= limited.limit!) {
      await enqueueAdvance(tx, id, `execution:${id}`, HELD_RETRY_MS + Math.floor(Math.random() * HELD_RETRY_MS));
      return null;
    }
    const [row] = await tx.update(executions).set(leaseFor(owner, leaseMs)).where(claimable(id)).returning();
    return row ?? null;
  });
}

async function runningOf(db: DbOrTx, customerId: string, except: string): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(executions)
    .where(and(eq(executions.customerId, customerId), eq(executions.status, 'RUNNING'), gt(executions.leaseUntil, sql`now()`), ne(executions.id, except)));
  return row?.n ?? 0;
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

/**
 * Hands the execution back (it stays RUNNING, its lease ends now) so the next claim, by any worker, takes it
 * at once instead of after the lease: used when a run stops for a reason that is not the flow's. Without an
 * owner, this worker's own renewals fail, so a run still going here stops at its next lease check.
 */
export async function releaseLease(db: DbOrTx, id: string, owner: string): Promise<boolean> {
  const rows = await db
    .update(executions)
    .set({ leaseOwner: null, leaseUntil: sql`now() - interval '1 millisecond'` })
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

/**
 * QUEUED executions nobody will pick up: no job of theirs is waiting or running in the queue (it was lost,
 * spent its attempts, or sits in the schema of an older version), or their job has been locked for longer
 * than a lease by a worker that died before it claimed the execution (graphile-worker would unlock it only
 * after 4 hours). An execution and its job are committed together, so a fresh one always has its job.
 * Fan-out children get their job when their parent dispatches them, not before (execution/fan-out/).
 */
export async function queuedWithoutLiveJob(db: Db, leaseMs: number, limit = 100): Promise<{ id: string }[]> {
  const jobs = sql`${sql.identifier(JOB_QUEUE_SCHEMA)}._private_jobs`;
  const rows = await db.execute<{ id: string }>(sql`
    select e.id from ${executions} e
    where e.status = 'QUEUED' and (e.parent_execution_id is null or e.dispatched_at is not null) and not exists (
      select 1 from ${jobs} j
      where j.payload->>'executionId' = e.id::text and j.attempts < j.max_attempts
        and (j.locked_at is null or j.locked_at > now() - ${`${leaseMs} milliseconds`}::interval))
    limit ${limit}`);
  return rows.rows;
}
