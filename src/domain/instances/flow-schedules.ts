import { isDeepStrictEqual } from 'node:util';
import { and, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { flowSchedules, instances, integrationVersions } from '../../db/tables';
import { isValidTimeZone, nextCronTick, parseCron, type FanOut, type Flow, type IntegrationDefinition } from '../integrations/definition';
import type { Instance } from './instances';
import { scheduleOf } from './schedule-settings';

/*
 * Keeps `flow_schedules` (the scheduler's due work, src/execution/schedules.ts) equal to what the instances
 * say: one row per scheduled flow of an enabled, deployed instance, and one per scheduled fan-out flow of an
 * integration with such an instance. Called inside the transaction that changes the instance; deleting an
 * instance, customer, integration or version cascades to the rows.
 */

/**
 * A tick that fell due this long before a schedule starts still fires: the scheduler used to fire the tick of
 * the last minute, so a flow deployed seconds after its minute began ran that minute.
 */
const FIRST_TICK_LOOKBACK_MS = 60_000;

type Schedule = { cron: string; timeZone: string };
type WantedSchedule = Schedule & { flowStableKey: string; fanOut: FanOut | null };
type Owner = { orgId: string; integrationId: string; instanceId: string | null; customerId: string | null; versionId: string };

/** The cron and time zone of a scheduled flow in one instance, or null when the flow has no (valid) schedule. */
function instanceScheduleOf(flow: Flow, definition: IntegrationDefinition, configValues: Instance['configValues']): Schedule | null {
  if (flow.trigger.type !== 'schedule') return null;
  const configVarKey = flow.trigger.configVar;
  const configVar = definition.requiredConfigVars?.find((cv) => cv.key === configVarKey);
  const stored = configVar ? configValues[configVar.key] : undefined;
  const schedule = flow.trigger.cron
    ? { cron: flow.trigger.cron, timeZone: flow.trigger.timeZone ?? 'UTC' }
    : configVar?.dataType === 'schedule'
      ? { cron: stored?.kind === 'value' ? stored.value : configVar.defaultValue, timeZone: scheduleOf(configVar, stored).timeZone }
      : null;
  if (!schedule?.cron || !parseCron(schedule.cron).ok || !isValidTimeZone(schedule.timeZone)) return null;
  return { cron: schedule.cron, timeZone: schedule.timeZone };
}

/** Makes the instance's schedule rows (and its integration's fan-out ones) match the change from `before`. */
export async function refreshInstanceSchedules(db: DbOrTx, instance: Instance, before: Instance): Promise<void> {
  if (!schedulingChanged(before, instance)) return;
  await refreshOwnSchedules(db, instance);
  if (before.enabled !== instance.enabled || before.deployedVersionId !== instance.deployedVersionId) {
    await refreshFanOutSchedules(db, instance.integrationId);
  }
}

/**
 * Fills `flow_schedules` for instances deployed before it existed (the migration cannot evaluate cron). Runs
 * at a scheduler's first tick and does something only while the table is still empty and some enabled,
 * deployed instance runs a scheduled flow; an advisory lock keeps two starting processes from both doing it.
 */
export async function backfillFlowSchedules(db: DbOrTx): Promise<number> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext('flow-schedules:backfill'))`);
    const pending = await tx
      .select({ instance: instances })
      .from(instances)
      .innerJoin(integrationVersions, eq(integrationVersions.id, instances.deployedVersionId))
      .where(
        and(
          eq(instances.enabled, true),
          sql`not exists (select 1 from ${flowSchedules})`,
          sql`jsonb_path_exists(${integrationVersions.definition}, '$.flows[*].trigger ? (@.type == "schedule")')`,
        ),
      );
    for (const { instance } of pending) await refreshOwnSchedules(tx, instance);
    for (const integrationId of new Set(pending.map(({ instance }) => instance.integrationId))) await refreshFanOutSchedules(tx, integrationId);
    return pending.length;
  });
}

async function refreshOwnSchedules(db: DbOrTx, instance: Instance): Promise<void> {
  const definition = instance.enabled && instance.deployedVersionId ? await definitionOf(db, instance.deployedVersionId) : null;
  const wanted: WantedSchedule[] = (definition?.flows ?? []).flatMap((flow) => {
    // A fan-out flow fires once for the integration (refreshFanOutSchedules), not once per instance.
    if (flow.trigger.type === 'schedule' && flow.trigger.fanOut) return [];
    const schedule = instanceScheduleOf(flow, definition!, instance.configValues);
    return schedule ? [{ ...schedule, flowStableKey: flow.stableKey, fanOut: null }] : [];
  });
  const existing = await db.select().from(flowSchedules).where(eq(flowSchedules.instanceId, instance.id));
  const owner = definition
    ? {
        orgId: instance.orgId,
        integrationId: instance.integrationId,
        instanceId: instance.id,
        customerId: instance.customerId,
        versionId: instance.deployedVersionId!,
      }
    : null;
  await reconcile(db, existing, wanted, owner);
}

/**
 * Makes the integration's fan-out schedule rows match the newest version any enabled instance runs (the
 * version a scheduled fan-out reads its flows from). Serialized per integration: concurrent changes to two
 * of its instances must not both insert the row.
 */
export async function refreshFanOutSchedules(db: DbOrTx, integrationId: string): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`flow-schedules:${integrationId}`}))`);
    const [newest] = await tx
      .select({ orgId: instances.orgId, versionId: integrationVersions.id, definition: integrationVersions.definition })
      .from(instances)
      .innerJoin(integrationVersions, eq(integrationVersions.id, instances.deployedVersionId))
      .where(and(eq(instances.integrationId, integrationId), eq(instances.enabled, true)))
      .orderBy(desc(integrationVersions.versionNumber))
      .limit(1);
    const wanted: WantedSchedule[] = (newest?.definition.flows ?? []).flatMap((flow) => {
      const trigger = flow.trigger;
      if (trigger.type !== 'schedule' || !trigger.fanOut || !trigger.cron) return [];
      const timeZone = trigger.timeZone ?? 'UTC';
      if (!parseCron(trigger.cron).ok || !isValidTimeZone(timeZone)) return [];
      return [{ cron: trigger.cron, timeZone, flowStableKey: flow.stableKey, fanOut: trigger.fanOut }];
    });
    const existing = await tx
      .select()
      .from(flowSchedules)
      .where(and(eq(flowSchedules.integrationId, integrationId), isNull(flowSchedules.instanceId)));
    const owner = newest ? { orgId: newest.orgId, integrationId, instanceId: null, customerId: null, versionId: newest.versionId } : null;
    await reconcile(tx, existing, wanted, owner);
  });
}

/** The integrations whose fan-out schedules depend on these customers' instances (read before deleting them). */
export async function fanOutIntegrationsOfCustomer(db: DbOrTx, customerId: string): Promise<string[]> {
  const rows = await db
    .selectDistinct({ integrationId: flowSchedules.integrationId })
    .from(flowSchedules)
    .where(
      and(
        isNull(flowSchedules.instanceId),
        inArray(flowSchedules.integrationId, db.select({ id: instances.integrationId }).from(instances).where(eq(instances.customerId, customerId))),
      ),
    );
  return rows.map((row) => row.integrationId);
}

function schedulingChanged(before: Instance, after: Instance): boolean {
  return (
    before.enabled !== after.enabled || before.deployedVersionId !== after.deployedVersionId || !isDeepStrictEqual(before.configValues, after.configValues)
  );
}

async function definitionOf(db: DbOrTx, versionId: string): Promise<IntegrationDefinition | null> {
  const [version] = await db.select({ definition: integrationVersions.definition }).from(integrationVersions).where(eq(integrationVersions.id, versionId));
  return version?.definition ?? null;
}

/**
 * Deletes rows no longer wanted, inserts new ones, and moves changed ones. A row whose cron and time zone
 * stay keeps its next run (a redeploy does not fire a tick twice); a new or changed schedule starts at the
 * first tick of the last minute.
 */
async function reconcile(db: DbOrTx, existing: (typeof flowSchedules.$inferSelect)[], wanted: WantedSchedule[], owner: Owner | null): Promise<void> {
  const stale = existing.filter((row) => !owner || !wanted.some((schedule) => schedule.flowStableKey === row.flowStableKey));
  if (stale.length > 0) {
    await db.delete(flowSchedules).where(
      inArray(
        flowSchedules.id,
        stale.map((row) => row.id),
      ),
    );
  }
  if (!owner) return;
  const firstRun = (schedule: Schedule) => nextCronTick(schedule.cron, new Date(Date.now() - FIRST_TICK_LOOKBACK_MS), schedule.timeZone);
  for (const schedule of wanted) {
    const row = existing.find((candidate) => candidate.flowStableKey === schedule.flowStableKey);
    if (!row) {
      await db.insert(flowSchedules).values({ ...owner, ...schedule, nextRunAt: firstRun(schedule) });
    } else if (row.cron !== schedule.cron || row.timeZone !== schedule.timeZone) {
      await db
        .update(flowSchedules)
        .set({ ...owner, ...schedule, nextRunAt: firstRun(schedule) })
        .where(eq(flowSchedules.id, row.id));
    } else if (row.versionId !== owner.versionId || !isDeepStrictEqual(row.fanOut, schedule.fanOut)) {
      // Same ticks: the next run stays as the scheduler last set it.
      await db.update(flowSchedules).set({ versionId: owner.versionId, fanOut: schedule.fanOut }).where(eq(flowSchedules.id, row.id));
    }
  }
}
