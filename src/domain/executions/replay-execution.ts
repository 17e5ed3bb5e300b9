import { and, asc, inArray } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { executions } from '../../db/tables';
import { requireOrgAdmin, type Actor } from '../actor';
import { invalid } from '../errors';
import { getExecution, visibleExecutions, type ExecutionRow } from './executions';
import { startExecution } from './start-execution';

/**
 * A new run of a finished execution: the same flow, trigger payload, integration version and instance (so
 * the instance's configuration and credentials as they are now), linked to the original by
 * `replayOfExecutionId`. Someone else's execution id is not found, like every id of another organization.
 */
export async function replayExecution(db: DbOrTx, actor: Actor, id: string): Promise<ExecutionRow> {
  requireOrgAdmin(actor, 'replay executions');
  const original = await getExecution(db, actor, id);
  if (original.status === 'QUEUED' || original.status === 'RUNNING') throw invalid('id', 'The execution has not finished yet; replay it once it has.');
  if (original.fanOut) throw invalid('id', 'A fan-out run cannot be replayed as a whole; replay the customer runs that need it.');
  const replay = await startExecution(db, {
    orgId: original.orgId,
    integrationId: original.integrationId,
    versionId: original.versionId,
    instanceId: original.instanceId,
    customerId: original.customerId,
    actingUserId: original.actingUserId,
    flowStableKey: original.flowStableKey,
    invokeType: original.invokeType,
    trigger: original.trigger,
    replayOfExecutionId: original.id,
  });
  return replay!;
}

/** The replays of many executions in one query, oldest first, for `replays` on each of them. */
export async function replaysOf(db: DbOrTx, actor: Actor, executionIds: readonly string[]): Promise<ExecutionRow[]> {
  if (executionIds.length === 0) return [];
  return db
    .select()
    .from(executions)
    .where(and(visibleExecutions(actor), inArray(executions.replayOfExecutionId, [...executionIds])))
    .orderBy(asc(executions.createdAt));
}
