import type { DbOrTx } from '../../db/client';
import { executions, type InvokeType, type TriggerPayload } from '../../db/tables';
import type { FanOut } from '../integrations/definition';
import { enqueueAdvance, enqueueAdvanceMany } from './job-queue';

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

/** Records a QUEUED execution and its job in one transaction. Null when a scheduled tick already fired. */
export async function startExecution(db: DbOrTx, input: NewExecution): Promise<Execution | null> {
  const row = await db.transaction(async (tx) => {
    const [row] = await tx
      .insert(executions)
      .values({ ...input, actingUserId: input.actingUserId ?? null, scheduledFor: input.scheduledFor ?? null, fanOut: input.fanOut ?? null })
      .onConflictDoNothing()
      .returning();
    if (!row) return null;
    await enqueueAdvance(tx, row.id);
    return row;
  });
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
