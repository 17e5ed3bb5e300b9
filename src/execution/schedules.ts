import { and, eq, isNotNull } from 'drizzle-orm';
import type { Db } from '../db/client';
import { instances, integrationVersions } from '../db/tables';
import { nextCronTick, parseCron, type Flow, type IntegrationDefinition } from '../domain/integrations/definition';
import { startExecution, type NewExecution } from '../domain/executions/start-execution';

type Instance = typeof instances.$inferSelect;

const TICK_WINDOW_MS = 60_000;

/** The cron and time zone of a scheduled flow in one instance, or null when the flow has no (valid) schedule. */
export function scheduleOf(flow: Flow, definition: IntegrationDefinition, configValues: Record<string, { kind: string; value?: string }>) {
  if (flow.trigger.type !== 'schedule') return null;
  if (flow.trigger.cron) return { cron: flow.trigger.cron, timeZone: flow.trigger.timeZone ?? 'UTC' };
  const configVar = definition.requiredConfigVars?.find((cv) => cv.key === (flow.trigger as { configVar?: string }).configVar);
  if (!configVar || configVar.dataType !== 'schedule') return null;
  const bound = configValues[configVar.key];
  const cron = bound?.kind === 'value' ? bound.value : configVar.defaultValue;
  if (!cron || !parseCron(cron).ok) return null;
  return { cron, timeZone: configVar.timeZone ?? 'UTC' };
}

/**
 * Starts the executions of every schedule tick that fell due in the last minute. Every process calls this;
 * the unique (instance, flow, tick) index lets exactly one insert per tick win, so a tick fires once.
 */
export async function fireDueSchedules(db: Db, now: Date): Promise<number> {
  const deployed = await db
    .select({
      instance: instances,
      definition: integrationVersions.definition,
      versionId: integrationVersions.id,
      versionNumber: integrationVersions.versionNumber,
    })
    .from(instances)
    .innerJoin(integrationVersions, eq(integrationVersions.id, instances.deployedVersionId))
    .where(and(eq(instances.enabled, true), isNotNull(instances.deployedVersionId)));
  let fired = 0;
  for (const { instance, definition, versionId } of deployed) {
    for (const flow of definition.flows) {
      // A fan-out flow fires once for the integration (below), not once per instance.
      if (flow.trigger.type === 'schedule' && flow.trigger.fanOut) continue;
      const schedule = scheduleOf(flow, definition, instance.configValues);
      if (!schedule) continue;
      const tick = nextCronTick(schedule.cron, new Date(now.getTime() - TICK_WINDOW_MS), schedule.timeZone);
      if (tick > now) continue;
      const started = await startExecution(db, {
        orgId: instance.orgId,
        integrationId: instance.integrationId,
        versionId,
        instanceId: instance.id,
        customerId: instance.customerId,
        flowStableKey: flow.stableKey,
        invokeType: 'SCHEDULED',
        trigger: { body: {}, query: {}, headers: {} },
        scheduledFor: tick,
      });
      if (started) fired++;
    }
  }
  for (const due of dueFanOuts(deployed, now)) if (await startExecution(db, due)) fired++;
  return fired;
}

/**
 * The fan-out ticks due now: one per (integration, fan-out flow), read from the newest version any instance
 * runs; the unique (integration, flow, tick) index of fan-out parents lets one process's insert win.
 */
function dueFanOuts(
  deployed: { instance: Instance; definition: IntegrationDefinition; versionId: string; versionNumber: number }[],
  now: Date,
): NewExecution[] {
  const newest = new Map<string, (typeof deployed)[number]>();
  for (const row of deployed) {
    const known = newest.get(row.instance.integrationId);
    if (!known || known.versionNumber < row.versionNumber) newest.set(row.instance.integrationId, row);
  }
  const due: NewExecution[] = [];
  for (const { instance, definition, versionId } of newest.values()) {
    for (const flow of definition.flows) {
      if (flow.trigger.type !== 'schedule' || !flow.trigger.fanOut || !flow.trigger.cron) continue;
      const tick = nextCronTick(flow.trigger.cron, new Date(now.getTime() - TICK_WINDOW_MS), flow.trigger.timeZone ?? 'UTC');
      if (tick > now) continue;
      due.push({
        orgId: instance.orgId,
        integrationId: instance.integrationId,
        versionId,
        instanceId: null,
        customerId: null,
        flowStableKey: flow.stableKey,
        invokeType: 'SCHEDULED',
        trigger: { body: {}, query: {}, headers: {} },
        scheduledFor: tick,
        fanOut: flow.trigger.fanOut,
      });
    }
  }
  return due;
}
