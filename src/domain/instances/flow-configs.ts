import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { instanceFlowConfigs, instances, integrations } from '../../db/tables';
import type { Actor } from '../actor';
import { flowsOf, type IntegrationFlowRecord } from '../integrations/flows';
import { instanceDefinitionsOf, type InstanceDefinitions } from './definitions';
import { visibleInstances, type Instance } from './instances';

export type InstanceFlowConfig = typeof instanceFlowConfigs.$inferSelect;
/** A flow of an instance: its row (with the webhook token) and the flow of the definition the instance runs. */
export type InstanceFlowConfigView = { config: InstanceFlowConfig; flow: IntegrationFlowRecord; instance: Instance };

/**
 * The flow configs of many instances in one statement, each list in the order of the flows of the
 * definition the instance runs (flows a newer version dropped are not listed).
 */
export async function flowConfigsOf(db: DbOrTx, items: readonly InstanceDefinitions[]): Promise<InstanceFlowConfigView[][]> {
  if (items.length === 0) return [];
  const rows = await db
    .select()
    .from(instanceFlowConfigs)
    .where(
      inArray(
        instanceFlowConfigs.instanceId,
        items.map((item) => item.instance.id),
      ),
    )
    .orderBy(asc(instanceFlowConfigs.createdAt));
  return items.map((item) => viewsOf(item, rows));
}

/** Flow configs by id, for node(id:); those of instances the actor cannot see are absent. */
export async function getFlowConfigsByIds(db: DbOrTx, actor: Actor, ids: readonly string[]): Promise<InstanceFlowConfigView[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .select({ config: instanceFlowConfigs, instance: instances })
    .from(instanceFlowConfigs)
    .innerJoin(instances, and(visibleInstances(actor), eq(instances.id, instanceFlowConfigs.instanceId)))
    .where(inArray(instanceFlowConfigs.id, [...ids]));
  const unique = [...new Map(rows.map((row) => [row.instance.id, row.instance])).values()];
  const definitions = await instanceDefinitionsOf(db, unique);
  return definitions.flatMap((item) =>
    viewsOf(
      item,
      rows.map((row) => row.config),
    ),
  );
}

/** Names one flow of one integration, as `systemFlowConfigsOf` keys its answer. */
export const integrationFlowKey = (integrationId: string, flowStableKey: string) => `${integrationId}:${flowStableKey}`;

/**
 * The test (system) instance's flow configs of these integrations' draft flows, by integrationFlowKey: their
 * webhook URLs are the flows' test URLs (`IntegrationFlow.testUrl`). Only organization admins get them, because a call
 * runs the draft with the test instance's values, as testIntegrationFlow does (visibleInstances); anyone else gets none.
 * Reads only: the system instance made its flow configs when the draft was imported or changed.
 */
export async function systemFlowConfigsOf(db: DbOrTx, actor: Actor, integrationIds: readonly string[]): Promise<Map<string, InstanceFlowConfig>> {
  if (integrationIds.length === 0) return new Map();
  const rows = await db
    .select({ config: instanceFlowConfigs, integrationId: instances.integrationId })
    .from(instanceFlowConfigs)
    .innerJoin(instances, eq(instances.id, instanceFlowConfigs.instanceId))
    .innerJoin(integrations, eq(integrations.id, instances.integrationId))
    .where(
      and(
        visibleInstances(actor),
        eq(instances.isSystem, true),
        inArray(instances.integrationId, [...new Set(integrationIds)]),
        // A flow the draft dropped keeps its row but no longer runs there (a published version may still have it).
        sql`exists (select 1 from jsonb_array_elements(${integrations.definition}->'flows') f where f->>'stableKey' = ${instanceFlowConfigs.flowStableKey})`,
      ),
    );
  return new Map(rows.map((row) => [integrationFlowKey(row.integrationId, row.config.flowStableKey), row.config]));
}

function viewsOf(item: InstanceDefinitions, rows: readonly InstanceFlowConfig[]): InstanceFlowConfigView[] {
  return flowsOf(item.instance.integrationId, item.running).flatMap((flow) => {
    const config = rows.find((row) => row.instanceId === item.instance.id && row.flowStableKey === flow.flow.stableKey);
    return config ? [{ config, flow, instance: item.instance }] : [];
  });
}
