import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flowSchedules, instances } from '../../src/db/tables';
import { decodeGlobalId, encodeGlobalId } from '../../src/lib/global-id';
import { createHarness, gql, type Harness } from '../support/harness';
import { importAndPublish } from '../support/integrations';
import { seedCustomer, seedOrg, type SeededOrg } from '../support/seed';

// InputInstanceConfigVariable.scheduleType and .timeZone: a schedule's own settings per instance, and the schedule row they drive.

let h: Harness;
let org: SeededOrg;
let integrationId: string;

const definition = `name: Nightly export
stableKey: nightly-export-${Date.now()}
requiredConfigVars:
  - key: Nightly
    dataType: schedule
    defaultValue: "0 2 * * *"
    timeZone: America/New_York
  - key: Folder
    dataType: string
    defaultValue: /out
flows:
  - name: Export
    stableKey: export
    trigger: { type: schedule, configVar: Nightly }
    steps:
      - { name: Forward, action: { component: http, key: http-request }, inputs: { url: "https://export.example.invalid/in" } }
`;

const CREATE = `mutation($input: CreateInstanceInput!) { createInstance(input: $input) { instance { id } errors { field messages } } }`;
const DEPLOY = `mutation($id: ID!) { deployInstance(input: { id: $id }) { errors { field messages } } }`;
const MERGE = `mutation($id: ID!, $vars: [InputInstanceConfigVariable!]) {
  updateInstanceConfigVariables(input: { id: $id, configVariables: $vars }) { instance { id } errors { field messages } } }`;
const REPLACE = `mutation($id: ID!, $vars: [InputInstanceConfigVariable!]) {
  updateInstance(input: { id: $id, configVariables: $vars }) { instance { id } errors { field messages } } }`;
const READ = `query($id: ID!) { instance(id: $id) { configVariables { nodes { key value scheduleType timeZone meta } } } }`;

const call = (query: string, variables: Record<string, unknown>) => gql(h.app, query, variables, org.adminToken);
const uuid = (gid: string) => decodeGlobalId(gid)!.id;
const wallClock = (at: Date, timeZone: string) =>
  new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);

async function deployedInstance() {
  const customer = await seedCustomer(h.database.db, org.admin);
  const created = await call(CREATE, { input: { name: 'Export', integration: integrationId, customer: encodeGlobalId('Customer', customer.id) } });
  const id = created.data.createInstance.instance.id as string;
  expect((await call(DEPLOY, { id })).data.deployInstance.errors).toEqual([]);
  return id;
}

async function nightly(id: string) {
  const res = await call(READ, { id });
  return res.data.instance.configVariables.nodes.find((node: { key: string }) => node.key === 'Nightly');
}

async function scheduleRow(id: string) {
  const [row] = await h.database.db
    .select()
    .from(flowSchedules)
    .where(eq(flowSchedules.instanceId, uuid(id)));
  return row!;
}

async function storedRow(id: string) {
  const [row] = await h.database.db
    .select()
    .from(instances)
    .where(eq(instances.id, uuid(id)));
  return row!;
}

beforeAll(async () => {
  h = createHarness();
  org = await seedOrg(h.database.db);
  integrationId = (await importAndPublish(h.app, org.adminToken, definition)).id;
});
afterAll(() => h.close());

describe('a schedule config variable with its own scheduleType and timeZone', () => {
  it("reads back, and the instance's schedule runs its cron in that zone", async () => {
    const id = await deployedInstance();
    expect(await nightly(id)).toEqual({
      key: 'Nightly',
      value: '0 2 * * *',
      scheduleType: 'CUSTOM',
      timeZone: 'America/New_York',
      meta: '{"scheduleType":"CUSTOM","timeZone":"America/New_York"}',
    });
    expect((await scheduleRow(id)).timeZone).toBe('America/New_York');

    const res = await call(MERGE, { id, vars: [{ key: 'Nightly', value: '0 6 * * *', scheduleType: 'day', timeZone: 'Europe/Berlin' }] });
    expect(res.data.updateInstanceConfigVariables.errors).toEqual([]);
    expect(await nightly(id)).toEqual({
      key: 'Nightly',
      value: '0 6 * * *',
      scheduleType: 'DAY',
      timeZone: 'Europe/Berlin',
      meta: '{"scheduleType":"DAY","timeZone":"Europe/Berlin"}',
    });
    const row = await scheduleRow(id);
    expect({ cron: row.cron, timeZone: row.timeZone }).toEqual({ cron: '0 6 * * *', timeZone: 'Europe/Berlin' });
    expect(wallClock(row.nextRunAt, 'Europe/Berlin')).toBe('06:00');
    expect(row.nextRunAt.getTime() - Date.now()).toBeLessThanOrEqual(24 * 3_600_000);
  });

  it('keeps its settings when a merge gives only a new value, and drops them when updateInstance replaces the values', async () => {
    const id = await deployedInstance();
    await call(MERGE, { id, vars: [{ key: 'Nightly', value: '0 6 * * *', scheduleType: 'DAY', timeZone: 'Europe/Berlin' }] });

    expect(
      (await call(MERGE, { id, vars: [{ key: 'Nightly', value: '30 7 * * *', scheduleType: '', timeZone: '' }] })).data.updateInstanceConfigVariables.errors,
    ).toEqual([]);
    expect(await nightly(id)).toMatchObject({ value: '30 7 * * *', scheduleType: 'DAY', timeZone: 'Europe/Berlin' });
    expect(wallClock((await scheduleRow(id)).nextRunAt, 'Europe/Berlin')).toBe('07:30');

    expect((await call(REPLACE, { id, vars: [{ key: 'Nightly', value: '30 7 * * *' }] })).data.updateInstance.errors).toEqual([]);
    expect(await nightly(id)).toMatchObject({ value: '30 7 * * *', scheduleType: 'CUSTOM', timeZone: 'America/New_York' });
    const row = await scheduleRow(id);
    expect(row.timeZone).toBe('America/New_York');
    expect(wallClock(row.nextRunAt, 'America/New_York')).toBe('07:30');
  });

  it('refuses a bad zone, a bad schedule type, and either on a variable that is not a schedule, naming the field and writing nothing', async () => {
    const id = await deployedInstance();
    await call(MERGE, { id, vars: [{ key: 'Nightly', value: '0 6 * * *', timeZone: 'Europe/Berlin' }] });
    const before = await storedRow(id);
    const scheduleBefore = await scheduleRow(id);

    const cases: [unknown[], { field: string; messages: string[] }[]][] = [
      [
        [
          { key: 'Folder', value: '/elsewhere' },
          { key: 'Nightly', value: '0 5 * * *', timeZone: 'Mars/Olympus_Mons' },
        ],
        [
          {
            field: 'configVariables[1].timeZone',
            messages: ['Config variable "Nightly": "Mars/Olympus_Mons" is not an IANA time zone (like Europe/Berlin or UTC).'],
          },
        ],
      ],
      [
        [{ key: 'Nightly', value: '0 5 * * *', scheduleType: 'fortnight' }],
        [
          {
            field: 'configVariables[0].scheduleType',
            messages: ['Config variable "Nightly": "fortnight" is not a schedule type; use one of NONE, MINUTE, HOUR, DAY, WEEK, CUSTOM.'],
          },
        ],
      ],
      [
        [{ key: 'Folder', value: '/elsewhere', scheduleType: 'DAY', timeZone: 'Europe/Berlin' }],
        [
          { field: 'configVariables[0].scheduleType', messages: ['Config variable "Folder" is a string, not a schedule: it takes no scheduleType.'] },
          { field: 'configVariables[0].timeZone', messages: ['Config variable "Folder" is a string, not a schedule: it takes no timeZone.'] },
        ],
      ],
    ];
    for (const [vars, errors] of cases) {
      const res = await call(MERGE, { id, vars });
      expect(res.data.updateInstanceConfigVariables).toEqual({ instance: null, errors });
    }
    const created = await call(CREATE, {
      input: {
        name: 'Refused',
        integration: integrationId,
        customer: encodeGlobalId('Customer', (await seedCustomer(h.database.db, org.admin)).id),
        configVariables: [{ key: 'Nightly', value: '0 5 * * *', timeZone: 'CEST+2' }],
      },
    });
    expect(created.data.createInstance.errors).toEqual([
      { field: 'configVariables[0].timeZone', messages: ['Config variable "Nightly": "CEST+2" is not an IANA time zone (like Europe/Berlin or UTC).'] },
    ]);

    const after = await storedRow(id);
    expect({ configValues: after.configValues, updatedAt: after.updatedAt }).toEqual({ configValues: before.configValues, updatedAt: before.updatedAt });
    expect(await scheduleRow(id)).toEqual(scheduleBefore);
  });
});
