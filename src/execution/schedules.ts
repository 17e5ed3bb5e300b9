import { and, eq, isNotNull } from 'drizzle-orm';
import type { Db } from '../db/client';
import { instances, integrationVersions } from '../db/tables';
import { nextCronTick, parseCron, type Flow, type IntegrationDefinition } from '../domain/integrations/definition';
import { startExecution } from '../domain/executions/start-execution';

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
    .select({ instance: instances, definition: integrationVersions.definition, versionId: integrationVersions.id })
    .from(instances)
    .innerJoin(integrationVersions, eq(integrationVersions.id, instances.deployedVersionId))
    .where(and(eq(instances.enabled, true), isNotNull(instances.deployedVersionId)));
  let fired = 0;
  for (const { instance, definition, versionId } of deployed) {
    for (const flow of definition.flows) {
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
  return fired;
}
