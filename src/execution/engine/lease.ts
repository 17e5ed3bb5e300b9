import { and, eq, gt, isNotNull, lt, ne, or, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../db/client';
import { customerConfigVariables, customers, dataKeys, executions, instances as instancesTable, scopedConfigVariables, stepResults } from '../../db/tables';
import type { RunCredentialRows } from '../credentials/run-credentials';
import { rowOf, runNamed, type NamedStatement } from '../../db/named-statement';
import { enqueueAdvance, JOB_QUEUE_SCHEMA, wakeJobQueueAfter } from '../../domain/executions/job-queue';
import type { Execution } from '../../domain/executions/start-execution';
import type { FanOut, IntegrationDefinition } from '../../domain/integrations/definition';

/** How long an execution held back by its customer's concurrency limit waits before it asks again (plus jitter). */
const HELD_RETRY_MS = 200;

const claimable = (id: string) =>
  and(eq(executions.id, id), or(eq(executions.status, 'QUEUED'), and(eq(executions.status, 'RUNNING'), lt(executions.leaseUntil, sql`now()`))));

/** What a claimed run needs besides its execution row, read by the claiming statement itself. */
export type RunRows = {
  /** The version's definition, or the integration's draft for test runs; null when it is gone. */
  definition: IntegrationDefinition | null;
  instance: typeof instancesTable.$inferSelect | null;
  /** For a test run: the integration's test (system) instance. */
  testInstance: typeof instancesTable.$inferSelect | null;
  customer: typeof customers.$inferSelect | null;
  /** Step results of earlier claims. */
  finished: (typeof stepResults.$inferSelect)[];
  /** The fan-out settings of the parent, for a child of a fan-out. */
  parentFanOut: FanOut | null;
  /** The credential rows its steps' connections may use, read with the claim (credentials/run-credentials.ts). */
  credentials: RunCredentialRows;
};

export type ClaimedRun = { execution: Execution; rows: RunRows };

/** Everything a run reads, over the CTE `claimed` (one execution row). */
const RUN_ROWS = `select claimed.*,
    run_def.definition as run_definition,
    (select to_jsonb(i) from instances i where i.id = claimed.instance_id) as run_instance,
    to_jsonb(run_test) as run_test_instance,
    (select to_jsonb(c) from customers c where c.id = claimed.customer_id) as run_customer,
    (select coalesce(jsonb_agg(to_jsonb(s)), '[]'::jsonb) from step_results s where s.execution_id = claimed.id) as run_finished,
    (select p.fan_out from executions p where p.id = claimed.parent_execution_id) as run_parent_fan_out,
    (select coalesce(jsonb_agg(to_jsonb(scv)), '[]'::jsonb) from scoped_config_variables scv
      where scv.org_id = claimed.org_id and scv.stable_key in (select cv->>'useScopedConfigVar' from jsonb_array_elements(coalesce(run_def.definition->'requiredConfigVars', '[]'::jsonb)) cv)) as run_scoped,
    (select coalesce(jsonb_agg(to_jsonb(ccv)), '[]'::jsonb) from customer_config_variables ccv
      join scoped_config_variables scv on scv.id = ccv.scoped_config_variable_id
      where scv.org_id = claimed.org_id and scv.stable_key in (select cv->>'useScopedConfigVar' from jsonb_array_elements(coalesce(run_def.definition->'requiredConfigVars', '[]'::jsonb)) cv)
        and (ccv.customer_id = claimed.customer_id or (claimed.instance_id is null and ccv.is_test))) as run_customer_values,
    (select coalesce(jsonb_agg(to_jsonb(dk)), '[]'::jsonb) from data_keys dk
      where dk.org_id = claimed.org_id and (dk.customer_id is null or dk.customer_id = claimed.customer_id or dk.customer_id = run_test.customer_id)) as run_data_keys
  from claimed
    cross join lateral (select case when claimed.version_id is not null then (select v.definition from integration_versions v where v.id = claimed.version_id)
      else (select i.definition from integrations i where i.id = claimed.integration_id) end as definition) run_def
    left join lateral (select * from instances t
      where claimed.instance_id is null and claimed.version_id is null and t.integration_id = claimed.integration_id and t.is_system) run_test on true`;

/**
 * The claim and the load of the run in one statement: the UPDATE decides who runs the execution,
 * and the same statement returns its definition, instance, customer, finished steps and parent's fan-out.
 * Executions of customers with a concurrency limit are not claimed here (claimUnderLimit counts first).
 */
const CLAIM_AND_LOAD: NamedStatement = {
  name: 'tf_claim_execution',
  text: `with claimed as (
      update executions e set status = 'RUNNING', lease_owner = $2, lease_until = now() + $3 * interval '1 millisecond',
        claims = e.claims + 1, started_at = coalesce(e.started_at, now())
      where e.id = $1 and (e.status = 'QUEUED' or (e.status = 'RUNNING' and e.lease_until < now()))
        and (select c.concurrent_execution_limit from customers c where c.id = e.customer_id) is null
      returning e.*)
    ${RUN_ROWS}`,
};

/** The same load for an execution claimed by claimUnderLimit. */
const LOAD_CLAIMED: NamedStatement = {
  name: 'tf_load_claimed_execution',
  text: `with claimed as (select * from executions where id = $1) ${RUN_ROWS}`,
};

function claimedRun(raw: Record<string, unknown>): ClaimedRun {
  const json = (value: unknown) => (value == null ? null : (value as Record<string, unknown>));
  const instance = json(raw.run_instance);
  const testInstance = json(raw.run_test_instance);
  const customer = json(raw.run_customer);
  return {
    execution: rowOf(executions, raw),
    rows: {
      definition: (raw.run_definition as IntegrationDefinition | null) ?? null,
      instance: instance && rowOf(instancesTable, instance),
      testInstance: testInstance && rowOf(instancesTable, testInstance),
      customer: customer && rowOf(customers, customer),
      finished: (raw.run_finished as Record<string, unknown>[]).map((row) => rowOf(stepResults, row)),
      parentFanOut: (raw.run_parent_fan_out as FanOut | null) ?? null,
      credentials: {
        scoped: (raw.run_scoped as Record<string, unknown>[]).map((row) => rowOf(scopedConfigVariables, row)),
        customerValues: (raw.run_customer_values as Record<string, unknown>[]).map((row) => rowOf(customerConfigVariables, row)),
        dataKeys: (raw.run_data_keys as Record<string, unknown>[]).map((row) => rowOf(dataKeys, row)),
      },
    },
  };
}

/**
 * Takes an execution for this worker: a QUEUED one, or a RUNNING one whose lease has run out (its worker
 * died). One UPDATE decides, so two workers never run one execution at once.
 *
 * A customer with a `concurrentExecutionLimit` has at most that many executions RUNNING (with a live lease)
 * at once: a claim past the limit leaves the execution QUEUED and gives it a new job a moment later, so it
 * starts when a slot frees, without failing and without a worker waiting on it.
 */
export async function claimExecution(db: Db, id: string, owner: string, leaseMs: number): Promise<ClaimedRun | null> {
  const [raw] = await runNamed(db, CLAIM_AND_LOAD, [id, owner, leaseMs]);
  if (raw) return claimedRun(raw);
  if (!(await claimUnderLimit(db, id, owner, leaseMs))) return null;
  const [loaded] = await runNamed(db, LOAD_CLAIMED, [id]);
  return loaded ? claimedRun(loaded) : null;
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
      const delayMs = HELD_RETRY_MS + Math.floor(Math.random() * HELD_RETRY_MS);
      await enqueueAdvance(tx, id, `execution:${id}`, delayMs);
      wakeJobQueueAfter(db, delayMs);
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
