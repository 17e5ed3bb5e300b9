import { desc, inArray } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { integrations, integrationVersions } from '../../db/tables';
import type { Actor } from '../actor';
import { stableUuid } from '../components/stable-ids';
import type { Flow, IntegrationDefinition } from './definition';
import { visibleIntegrations, type Integration } from './integrations';

/*
 * Flows are parts of a definition, not rows, yet clients keep their ids (testIntegrationFlow, execution
 * filters). So a flow's id is derived from its integration's id and its stable key: it survives renames,
 * re-imports and new versions, and differs between integrations that share a flow stable key.
 */

export type FlowTriggerType = 'WEBHOOK' | 'SCHEDULE' | 'API';

/** When a scheduled flow runs: a fixed cron, or an instance's value of a schedule config var (`configVar`). */
export type FlowSchedule = { cron: string | null; timeZone: string; configVar: string | null };

export type IntegrationFlowRecord = {
  id: string;
  integrationId: string;
  flow: Flow;
  triggerType: FlowTriggerType;
  isSynchronous: boolean;
  schedule: FlowSchedule | null;
};

export const flowIdOf = (integrationId: string, flowStableKey: string) => stableUuid(`integration:${integrationId}:flow:${flowStableKey}`);

/** Every flow of a definition, in document order, with its derived id and trigger facts. */
export function flowsOf(integrationId: string, def: IntegrationDefinition): IntegrationFlowRecord[] {
  return def.flows.map((flow) => ({
    id: flowIdOf(integrationId, flow.stableKey),
    integrationId,
    flow,
    triggerType: flow.trigger.type === 'webhook' ? 'WEBHOOK' : flow.trigger.type === 'schedule' ? 'SCHEDULE' : 'API',
    isSynchronous: flow.trigger.type === 'webhook' && flow.trigger.synchronous === true,
    schedule: scheduleOf(flow, def),
  }));
}

function scheduleOf(flow: Flow, def: IntegrationDefinition): FlowSchedule | null {
  const trigger = flow.trigger;
  if (trigger.type !== 'schedule') return null;
  if (trigger.cron !== undefined) return { cron: trigger.cron, timeZone: trigger.timeZone ?? 'UTC', configVar: null };
  const configVar = def.requiredConfigVars?.find((candidate) => candidate.key === trigger.configVar);
  const timeZone = configVar?.dataType === 'schedule' ? (configVar.timeZone ?? 'UTC') : 'UTC';
  return { cron: configVar?.dataType === 'schedule' ? (configVar.defaultValue ?? null) : null, timeZone, configVar: trigger.configVar ?? null };
}

/**
 * Flows by id among the actor's integrations. An id is a hash, so the organization's integrations are
 * scanned (an organization has few): their drafts, then their latest published versions, so a flow that
 * only a published version still has (removed from the draft, still deployed) is found too.
 */
export async function getFlowsByIds(db: DbOrTx, actor: Actor, ids: readonly string[]): Promise<IntegrationFlowRecord[]> {
  return (await lookupFlows(db, actor, ids)).map((found) => found.flow);
}

/** The flow with this id and its integration, or null when the actor has no such flow. */
export async function findFlow(db: DbOrTx, actor: Actor, flowId: string): Promise<{ integration: Integration; flow: IntegrationFlowRecord } | null> {
  const [found] = await lookupFlows(db, actor, [flowId]);
  return found ?? null;
}

async function lookupFlows(db: DbOrTx, actor: Actor, ids: readonly string[]) {
  const wanted = new Set(ids);
  const found = new Map<string, { integration: Integration; flow: IntegrationFlowRecord }>();
  if (wanted.size === 0) return [];
  const all = await db.select().from(integrations).where(visibleIntegrations(actor));
  const collect = (integration: Integration, def: IntegrationDefinition) => {
    for (const flow of flowsOf(integration.id, def)) {
      if (wanted.has(flow.id) && !found.has(flow.id)) found.set(flow.id, { integration, flow });
    }
  };
  for (const integration of all) collect(integration, integration.definition);
  const published = all.filter((integration) => integration.versionNumber > 0);
  if (found.size < wanted.size && published.length > 0) {
    const latest = await db
      .selectDistinctOn([integrationVersions.integrationId])
      .from(integrationVersions)
      .where(
        inArray(
          integrationVersions.integrationId,
          published.map((integration) => integration.id),
        ),
      )
      .orderBy(integrationVersions.integrationId, desc(integrationVersions.versionNumber));
    for (const version of latest)
      collect(
        published.find((integration) => integration.id === version.integrationId)!,
        version.definition,
      );
  }
  return [...found.values()];
}
