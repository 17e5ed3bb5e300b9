import { randomUUID } from 'node:crypto';
import { and, eq, isNull } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { connectDatabase } from '../../src/db/client';
import { executions, flowSchedules } from '../../src/db/tables';
import { deleteCustomer } from '../../src/domain/customers/customers';
import { backfillFlowSchedules } from '../../src/domain/instances/flow-schedules';
import { nextCronTick } from '../../src/domain/integrations/definition';
import { fireDueSchedules } from '../../src/execution/schedules';
import { encodeGlobalId } from '../../src/lib/global-id';
import { fanOutIntegration, seedFanOutCustomers } from '../support/fan-out';
import { createHarness, gql, type Harness } from '../support/harness';
import { deployInstance, importAndPublish } from '../support/integrations';
import { seedCustomer, seedOrg, type SeededOrg } from '../support/seed';
import { uuidOf } from '../support/worker-reliability';

/*
 * Schedules as due work: a tick reads only `flow_schedules` rows whose next run has come, and
 * domain writes keep those rows right. No worker runs here; the tests look at which scheduled executions
 * the scheduler queued (and for which tick and version).
 */

const HOUR = 3_600_000;
const MINUTE = 60_000;

let h: Harness;
let org: SeededOrg;

beforeAll(async () => {
  h = createHarness();
  org = await seedOrg(h.database.db);
});
afterAll(async () => {
  await h.close();
});

const scheduledDefinition = (stableKey: string, cron: string) => `
name: ${stableKey}
stableKey: ${stableKey}
flows:
  - name: Tick
    stableKey: tick
    trigger: { type: schedule, cron: "${cron}" }
    steps:
      - name: Note
        type: set-variables
        variables: { at: "tick" }
`;

/** Publishes `cron` as the newest version of integration `key` and deploys it to a new customer. */
async function deployScheduled(key: string, cron: string) {
  const integration = await importAndPublish(h.app, org.adminToken, scheduledDefinition(key, cron));
  const customer = encodeGlobalId('Customer', (await seedCustomer(h.database.db, org.admin)).id);
  const instance = await deployInstance(h.app, org.adminToken, { integration: integration.id, customer, name: key });
  return { integration, instanceId: uuidOf(instance.id), globalId: instance.id };
}

async function redeploy(globalId: string) {
  const res = await gql(h.app, `mutation($id: ID!) { deployInstance(input: { id: $id }) { errors { field messages } } }`, { id: globalId }, org.adminToken);
  expect(res.data.deployInstance.errors).toEqual([]);
}

async function setEnabled(globalId: string, enabled: boolean) {
  const res = await gql(
    h.app,
    `mutation($id: ID!, $enabled: Boolean) { updateInstance(input: { id: $id, enabled: $enabled }) { errors { field messages } } }`,
    { id: globalId, enabled },
    org.adminToken,
  );
  expect(res.data.updateInstance.errors).toEqual([]);
}

async function scheduledRuns(instanceId: string) {
  return h.database.db
    .select({ scheduledFor: executions.scheduledFor, versionId: executions.versionId })
    .from(executions)
    .where(and(eq(executions.instanceId, instanceId), eq(executions.invokeType, 'SCHEDULED')))
    .orderBy(executions.scheduledFor);
}

const scheduleOf = async (instanceId: string) => (await h.database.db.select().from(flowSchedules).where(eq(flowSchedules.instanceId, instanceId)))[0];
const minuteOf = (date: Date) => new Date(Math.floor(date.getTime() / MINUTE) * MINUTE).toISOString();

describe('schedules as due work', () => {
  it('a redeploy with another schedule fires on the new one, with the new version', async () => {
    const key = `sched-redeploy-${randomUUID().slice(0, 8)}`;
    // Once a year at midnight on 1 January: not due now.
    const { instanceId, globalId } = await deployScheduled(key, '0 0 1 1 *');
    expect(await scheduleOf(instanceId)).toMatchObject({ cron: '0 0 1 1 *', timeZone: 'UTC' });
    await fireDueSchedules(h.database.db, new Date());
    expect(await scheduledRuns(instanceId)).toEqual([]);

    await importAndPublish(h.app, org.adminToken, scheduledDefinition(key, '* * * * *'));
    await redeploy(globalId);
    const schedule = await scheduleOf(instanceId);
    expect(schedule).toMatchObject({ cron: '* * * * *' });
    const now = new Date();
    await fireDueSchedules(h.database.db, now);
    expect(await scheduledRuns(instanceId)).toEqual([{ scheduledFor: new Date(minuteOf(now)), versionId: schedule!.versionId }]);
    expect((await scheduleOf(instanceId))!.nextRunAt.toISOString()).toBe(new Date(new Date(minuteOf(now)).getTime() + MINUTE).toISOString());
  });

  it('disabling an instance stops its schedule, enabling starts it again', async () => {
    const { instanceId, globalId } = await deployScheduled(`sched-disable-${randomUUID().slice(0, 8)}`, '* * * * *');
    expect(await scheduleOf(instanceId)).toBeDefined();
    await setEnabled(globalId, false);
    expect(await scheduleOf(instanceId)).toBeUndefined();
    await fireDueSchedules(h.database.db, new Date());
    expect(await scheduledRuns(instanceId)).toEqual([]);

    await setEnabled(globalId, true);
    const now = new Date();
    await fireDueSchedules(h.database.db, now);
    expect((await scheduledRuns(instanceId)).map((run) => run.scheduledFor!.toISOString())).toEqual([minuteOf(now)]);
  });

  it('after a downtime over several due ticks starts one catch-up run, for the latest, then goes on from now', async () => {
    const { instanceId } = await deployScheduled(`sched-downtime-${randomUUID().slice(0, 8)}`, '0 * * * *');
    // As if no scheduler had run for five hours: the row has been due since then.
    const now = new Date();
    const lastRun = nextCronTick('0 * * * *', new Date(now.getTime() - 5 * HOUR - MINUTE), 'UTC');
    await h.database.db.update(flowSchedules).set({ nextRunAt: lastRun }).where(eq(flowSchedules.instanceId, instanceId));

    await fireDueSchedules(h.database.db, now);
    await fireDueSchedules(h.database.db, now);
    const latestHour = new Date(Math.floor(now.getTime() / HOUR) * HOUR);
    expect((await scheduledRuns(instanceId)).map((run) => run.scheduledFor!.toISOString())).toEqual([latestHour.toISOString()]);
    expect((await scheduleOf(instanceId))!.nextRunAt.toISOString()).toBe(new Date(latestHour.getTime() + HOUR).toISOString());
  });

  it('two processes racing over many due schedules start each once', async () => {
    const instanceIds: string[] = [];
    for (let i = 0; i < 12; i++) instanceIds.push((await deployScheduled(`sched-race-${i}-${randomUUID().slice(0, 8)}`, '* * * * *')).instanceId);
    const pools = [connectDatabase(inject('databaseUrl'), { max: 2 }), connectDatabase(inject('databaseUrl'), { max: 2 })];
    try {
      const now = new Date();
      const fired = await Promise.all(pools.flatMap((pool) => [fireDueSchedules(pool.db, now), fireDueSchedules(pool.db, now)]));
      expect(fired.reduce((sum, count) => sum + count, 0)).toBeGreaterThanOrEqual(instanceIds.length);
      for (const instanceId of instanceIds) {
        expect((await scheduledRuns(instanceId)).map((run) => run.scheduledFor!.toISOString())).toEqual([minuteOf(now)]);
      }
    } finally {
      await Promise.all(pools.map((pool) => pool.close()));
    }
  });

  it("a scheduled fan-out stays while any customer's instance does, and goes with the last customer", async () => {
    const integration = await fanOutIntegration(h, org, 'http://127.0.0.1:9', '{ type: schedule, cron: "0 0 1 1 *", fanOut: customers }');
    const customers = await seedFanOutCustomers({ db: h.database.db, vault: h.vault }, org, integration, 2);
    const fanOutRows = () =>
      h.database.db
        .select({ flowStableKey: flowSchedules.flowStableKey, fanOut: flowSchedules.fanOut })
        .from(flowSchedules)
        .where(and(eq(flowSchedules.integrationId, integration.integrationId), isNull(flowSchedules.instanceId)));
    expect(await fanOutRows()).toEqual([{ flowStableKey: 'sync', fanOut: { to: 'customers' } }]);
    await deleteCustomer(h.database.db, org.admin, customers[0]!.id);
    expect(await fanOutRows()).toHaveLength(1);
    await deleteCustomer(h.database.db, org.admin, customers[1]!.id);
    expect(await fanOutRows()).toEqual([]);
  });

  it('fills the schedules of instances deployed before they were rows, once', async () => {
    const { instanceId } = await deployScheduled(`sched-backfill-${randomUUID().slice(0, 8)}`, '0 0 1 1 *');
    const before = await scheduleOf(instanceId);
    // Engine test files run one at a time, so emptying the table disturbs no other test.
    await h.database.db.delete(flowSchedules);
    expect(await backfillFlowSchedules(h.database.db)).toBeGreaterThanOrEqual(1);
    expect(await scheduleOf(instanceId)).toMatchObject({ cron: '0 0 1 1 *', nextRunAt: before!.nextRunAt, versionId: before!.versionId });
    expect(await backfillFlowSchedules(h.database.db)).toBe(0);
  });
});
