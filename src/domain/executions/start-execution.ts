import type { DbOrTx } from '../../db/client';
import { executions, type InvokeType, type TriggerPayload } from '../../db/tables';
import type { FanOut } from '../integrations/definition';
import { runNamed, rowOf, type NamedStatement } from '../../db/named-statement';
import { addAdvanceJobSql, enqueueAdvanceMany } from './job-queue';

export type NewExecution = {
  orgId: string;
  integrationId: string;
  versionId: string | null;
  instanceId: string | null;
  customerId: string | null;
  actingUserId?: string | null;
  /** Someone is present (a UI started it): rule 2 pauses for them instead of applying the policy. */
  interactive?: boolean;
  flowStableKey: string;
  invokeType: InvokeType;
  trigger: TriggerPayload;
  scheduledFor?: Date | null;
  /** A fan-out parent: no instance; it starts one child per matching instance (src/execution/fan-out/). */
  fanOut?: FanOut | null;
  /** A replay: the execution it repeats (replay-execution.ts). */
  replayOfExecutionId?: string | null;
};

export type Execution = typeof executions.$inferSelect;

type QueuedObserver = (execution: Execution) => void;
const queuedObservers = new Set<QueuedObserver>();

/**
 * Lets a process see every execution it queues, whichever door it came in by (webhook, schedule, API): the
 * operator log's "execution queued" line (execution/lifecycle-log.ts). Returns the unsubscribe.
 */
export function observeQueued(observer: QueuedObserver): () => void {
  queuedObservers.add(observer);
  return () => queuedObservers.delete(observer);
}

/**
 * The execution and its job in one statement (one round trip, one commit): the job is added only for a row
 * the insert returned, so a scheduled tick that already fired (unique index) adds neither.
 */
const INSERT_EXECUTION_WITH_JOB: NamedStatement = {
  name: 'tf_insert_execution_with_job',
  text: `with inserted as (
      insert into executions (org_id, integration_id, version_id, instance_id, customer_id, acting_user_id, interactive,
        flow_stable_key, invoke_type, trigger, scheduled_for, fan_out, replay_of_execution_id)
      values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11, $12::jsonb, $13)
      on conflict do nothing
      returning *),
    queued as (select ${addAdvanceJobSql('inserted.id')} from inserted)
    select inserted.*, (select count(*) from queued) as jobs from inserted`,
};

/** Records a QUEUED execution and its job atomically. Null when a scheduled tick already fired. */
export async function startExecution(db: DbOrTx, input: NewExecution): Promise<Execution | null> {
  const [raw] = await runNamed(db, INSERT_EXECUTION_WITH_JOB, [
    input.orgId,
    input.integrationId,
    input.versionId,
    input.instanceId,
    input.customerId,
    input.actingUserId ?? null,
    input.interactive ?? false,
    input.flowStableKey,
    input.invokeType,
    JSON.stringify(input.trigger),
    input.scheduledFor ?? null,
    input.fanOut ? JSON.stringify(input.fanOut) : null,
    input.replayOfExecutionId ?? null,
  ]);
  const row = raw ? rowOf(executions, raw) : null;
  if (row) for (const observer of queuedObservers) observer(row);
  return row;
}

/**
 * `startExecution` for many executions in two statements (the scheduler starts every due run of a tick at
 * once), in the caller's transaction. Returns the executions started; a tick that already fired has none.
 */
export async function startExecutions(tx: DbOrTx, inputs: readonly NewExecution[]): Promise<Execution[]> {
  if (inputs.length === 0) return [];
  const rows = await tx
    .insert(executions)
    .values(
      inputs.map((input) => ({ ...input, actingUserId: input.actingUserId ?? null, scheduledFor: input.scheduledFor ?? null, fanOut: input.fanOut ?? null })),
    )
    .onConflictDoNothing()
    .returning();
  await enqueueAdvanceMany(
    tx,
    rows.map((row) => row.id),
  );
  for (const row of rows) for (const observer of queuedObservers) observer(row);
  return rows;
}
