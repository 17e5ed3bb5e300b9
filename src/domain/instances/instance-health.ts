import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { executions, integrationVersions } from '../../db/tables';
import type { InstanceDefinitions } from './definitions';

/**
 * Instance.inFailedState: the most recent finished run (SUCCEEDED or FAILED) of some flow of the instance
 * failed. Per flow, so one failing flow is not hidden by another one succeeding; a later successful run of
 * that flow clears it. Runs still queued, running or waiting for a user do not count. A refused deploy
 * never leaves a failed state: deployInstance checks first and changes nothing when it refuses.
 * One statement for many instances (executions_instance_idx).
 */
export async function failedInstancesOf(db: DbOrTx, instanceIds: readonly string[]): Promise<Set<string>> {
  if (instanceIds.length === 0) return new Set();
  const latest = db
    .selectDistinctOn([executions.instanceId, executions.flowStableKey], { instanceId: executions.instanceId, status: executions.status })
    .from(executions)
    .where(and(inArray(executions.instanceId, [...instanceIds]), inArray(executions.status, ['SUCCEEDED', 'FAILED'])))
    .orderBy(executions.instanceId, executions.flowStableKey, desc(executions.createdAt))
    .as('latest');
  const rows = await db
    .selectDistinct({ instanceId: latest.instanceId })
    .from(latest)
    .where(eq(latest.status, sql`'FAILED'`));
  return new Set(rows.map((row) => row.instanceId!));
}

/**
 * Instance.isCustomerUpgradeable: an available published version newer than the one the instance runs (or
 * was moved to and will run) exists. An instance never deployed and not moved has nothing to upgrade from:
 * its first deploy installs the latest. One statement for many instances.
 */
export async function upgradeableOf(db: DbOrTx, items: readonly InstanceDefinitions[]): Promise<boolean[]> {
  if (items.length === 0) return [];
  const integrationIds = [...new Set(items.map((item) => item.instance.integrationId))];
  const newest = await db
    .selectDistinctOn([integrationVersions.integrationId], {
      integrationId: integrationVersions.integrationId,
      versionNumber: integrationVersions.versionNumber,
    })
    .from(integrationVersions)
    .where(and(inArray(integrationVersions.integrationId, integrationIds), eq(integrationVersions.isAvailable, true)))
    .orderBy(integrationVersions.integrationId, desc(integrationVersions.versionNumber));
  return items.map((item) => {
    const current = item.targetVersion ?? item.deployedVersion;
    const available = newest.find((row) => row.integrationId === item.instance.integrationId)?.versionNumber ?? 0;
    return current !== null && available > current.versionNumber;
  });
}
