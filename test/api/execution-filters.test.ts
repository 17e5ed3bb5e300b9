import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeGlobalId, encodeGlobalId } from '../../src/lib/global-id';
import { seedFinishedExecution } from '../support/executions';
import { createHarness, gql, type Harness } from '../support/harness';
import { importAndPublish } from '../support/integrations';
import { seedCustomer, seedOrg, type SeededOrg } from '../support/seed';

let h: Harness;
let org: SeededOrg;
let other: SeededOrg;
let flowIds: Record<string, string>;
const runIds: Record<string, string> = {};
let customerToken: string;

const definition = `name: Filtered
flows:
  - name: Hook
    stableKey: hook
    trigger: { type: webhook }
    steps:
      - { name: Forward, action: { component: http, key: http-request }, inputs: { url: "https://orders.example.invalid/in" } }
  - name: Other
    stableKey: other
    trigger: { type: webhook }
    steps:
      - { name: Forward, action: { component: http, key: http-request }, inputs: { url: "https://orders.example.invalid/in" } }
`;
const at = (second: number) => new Date(Date.UTC(2026, 11, 1, 9, 0, second));
const RUNS = `query($status: InstanceExecutionStatus, $flow: ID, $errorIsNull: Boolean) {
  executionResults(status: $status, flowConfig_Flow: $flow, error_Isnull: $errorIsNull) { nodes { id status } }
}`;
const LOGS = `query($run: ID, $severity: LogSeverityLevel, $since: DateTime, $order: LogOrder) {
  logs(executionResult: $run, severity: $severity, timestamp_Gte: $since, orderBy: $order) { totalCount nodes { message severity } }
}`;

beforeAll(async () => {
  h = createHarness();
  org = await seedOrg(h.database.db);
  other = await seedOrg(h.database.db);
  const integration = await importAndPublish(h.app, org.adminToken, definition);
  flowIds = integration.flowIds;
  const integrationId = decodeGlobalId(integration.id)!.id;
  const mine = await seedCustomer(h.database.db, org.admin, { name: 'Mine' });
  const theirs = await seedCustomer(h.database.db, org.admin, { name: 'Theirs' });
  customerToken = (await org.customerUser(mine.id)).token;
  const seed = async (name: string, run: Record<string, unknown>, logs: Parameters<typeof seedFinishedExecution>[3]) => {
    const { execution } = await seedFinishedExecution(h.database.db, { orgId: org.orgId, integrationId, ...run }, [], logs);
    runIds[name] = encodeGlobalId('InstanceExecutionResult', execution.id);
  };
  await seed('ok', { flowStableKey: 'hook', customerId: mine.id }, [
    { severity: 'INFO', message: 'ok started', timestamp: at(1) },
    { severity: 'DEBUG', message: 'ok detail', timestamp: at(2) },
  ]);
  await seed('failed', { flowStableKey: 'hook', customerId: theirs.id, error: 'boom' }, [{ severity: 'ERROR', message: 'failed: boom', timestamp: at(3) }]);
  await seed('otherFlow', { flowStableKey: 'other', customerId: mine.id }, []);
});
afterAll(() => h.close());

const runs = async (token: string, variables: Record<string, unknown>) =>
  ((await gql(h.app, RUNS, variables, token)).data.executionResults.nodes as { id: string; status: string }[]).map((run) => run.id).sort();
const ids = (...names: string[]) => names.map((name) => runIds[name]).sort();

describe('executionResults filters', () => {
  it("accepts Prismatic's status names beside tenantflow's and reads tenantflow's", async () => {
    expect(await runs(org.adminToken, { status: 'SUCCESS' })).toEqual(ids('ok', 'otherFlow'));
    expect(await runs(org.adminToken, { status: 'SUCCEEDED' })).toEqual(ids('ok', 'otherFlow'));
    expect(await runs(org.adminToken, { status: 'ERROR' })).toEqual(ids('failed'));
    expect(await runs(org.adminToken, { status: 'PENDING' })).toEqual([]);
    const [failed] = (await gql(h.app, RUNS, { status: 'ERROR' }, org.adminToken)).data.executionResults.nodes;
    expect(failed.status).toBe('FAILED');
  });

  it('flowConfig_Flow and error_Isnull narrow the runs; a flow of another organization has none', async () => {
    expect(await runs(org.adminToken, { flow: flowIds.hook })).toEqual(ids('ok', 'failed'));
    expect(await runs(org.adminToken, { flow: flowIds.hook, errorIsNull: true })).toEqual(ids('ok'));
    expect(await runs(org.adminToken, { errorIsNull: false })).toEqual(ids('failed'));
    expect(await runs(other.adminToken, { flow: flowIds.hook })).toEqual([]);
  });
});

describe('root logs', () => {
  it('filters by run, severity and time, newest first unless sorted', async () => {
    const all = await gql(h.app, LOGS, {}, org.adminToken);
    expect(all.data.logs.nodes.map((l: { message: string }) => l.message)).toEqual(['failed: boom', 'ok detail', 'ok started']);
    const ofRun = await gql(h.app, LOGS, { run: runIds.ok, order: { field: 'TIMESTAMP', direction: 'ASC' } }, org.adminToken);
    expect(ofRun.data.logs.nodes.map((l: { message: string }) => l.message)).toEqual(['ok started', 'ok detail']);
    expect((await gql(h.app, LOGS, { severity: 'ERROR' }, org.adminToken)).data.logs.nodes).toEqual([{ message: 'failed: boom', severity: 'ERROR' }]);
    expect((await gql(h.app, LOGS, { since: at(2).toISOString() }, org.adminToken)).data.logs.totalCount).toBe(2);
  });

  it("customer users read their customer's log lines only; another organization none", async () => {
    const mine = await gql(h.app, LOGS, {}, customerToken);
    expect(mine.data.logs.nodes.map((l: { message: string }) => l.message)).toEqual(['ok detail', 'ok started']);
    expect((await gql(h.app, LOGS, { run: runIds.failed }, customerToken)).data.logs.totalCount).toBe(0);
    expect((await gql(h.app, LOGS, { run: runIds.ok }, other.adminToken)).data.logs.totalCount).toBe(0);
    expect((await gql(h.app, LOGS, {}, other.adminToken)).data.logs.totalCount).toBe(0);
  });
});
