import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeGlobalId } from '../../src/lib/global-id';
import { startFakeApi, type FakeApi } from '../fakes/fake-api';
import { connectionId, createCustomerValues, createScoped } from '../support/connections';
import { createHarness, gql, type Harness } from '../support/harness';
import { acmeRecordDefinition, awaitEnd, deployInstance, importAndPublish } from '../support/integrations';
import { seedCustomer, seedOrg, type SeededOrg } from '../support/seed';
import { startTestWorker } from '../support/worker';

let h: Harness;
let org: SeededOrg;
let other: SeededOrg;
let api: FakeApi;
let worker: Awaited<ReturnType<typeof startTestWorker>>;
let instance: Awaited<ReturnType<typeof deployInstance>>;
let integrationId: string;

const RUN_FLOW = `mutation($input: RunFlowInput!) { runFlow(input: $input) { execution { id } errors { field messages } } }`;
const REPLAY = `mutation($id: ID!) { replayExecution(input: { id: $id }) { execution { id status replayOf { id } } errors { field messages } } }`;
const RESULT = `query($id: ID!) { executionResult(id: $id) {
  id status isTestExecution instance { id } flow { stableKey } replayOf { id } replays { id }
  logs { nodes { severity message } } } }`;

beforeAll(async () => {
  h = createHarness();
  org = await seedOrg(h.database.db);
  other = await seedOrg(h.database.db);
  api = await startFakeApi();
  worker = await startTestWorker();
  const acme = await connectionId(h.app, org.adminToken, 'acme-api', 'api-key');
  const scv = await createScoped(h.app, org.adminToken, {
    key: 'Acme',
    stableKey: 'acme-replay',
    variableScope: 'customer',
    connection: acme,
    inputs: [{ name: 'baseUrl', type: 'value', value: api.url }],
  });
  const customer = encodeGlobalId('Customer', (await seedCustomer(h.database.db, org.admin)).id);
  await createCustomerValues(h.app, org.adminToken, {
    scopedConfigVariable: scv.id,
    customer,
    inputs: [{ name: 'apiKey', type: 'value', value: 'replay-key' }],
  });
  const integration = await importAndPublish(h.app, org.adminToken, acmeRecordDefinition({ stableKey: 'replays', connectionStableKey: 'acme-replay' }));
  integrationId = integration.id;
  instance = await deployInstance(h.app, org.adminToken, { integration: integration.id, customer, name: 'Replays' });
});
afterAll(async () => {
  await worker.stop();
  await api.close();
  await h.close();
});

describe('replayExecution', () => {
  it('runs a failed execution again with the same payload, linked both ways, and shows its instance and flow', async () => {
    api.on('POST /records', { status: 422, json: { error: 'name taken' } });
    const started = await gql(h.app, RUN_FLOW, { input: { instance: instance.id, flow: 'create', payload: '{"name":"replay me"}' } }, org.adminToken);
    const failed = await awaitEnd(h.app, org.adminToken, started.data.runFlow.execution.id);
    expect(failed.status).toBe('FAILED');

    api.on('POST /records', { status: 201, json: { id: 'second-time' } });
    const replayed = await gql(h.app, REPLAY, { id: failed.id }, org.adminToken);
    expect(replayed.data.replayExecution.errors).toEqual([]);
    expect(replayed.data.replayExecution.execution.replayOf).toEqual({ id: failed.id });
    const replay = await awaitEnd(h.app, org.adminToken, replayed.data.replayExecution.execution.id);
    expect(replay).toMatchObject({ status: 'SUCCEEDED', result: { id: 'second-time' } });
    expect(api.requestsTo('POST /records').map((request) => request.json)).toEqual([{ name: 'replay me' }, { name: 'replay me' }]);

    const original = (await gql(h.app, RESULT, { id: failed.id }, org.adminToken)).data.executionResult;
    expect(original).toMatchObject({
      isTestExecution: false,
      instance: { id: instance.id },
      flow: { stableKey: 'create' },
      replayOf: null,
      replays: [{ id: replay.id }],
    });

    // Scoped like every id: another organization cannot replay (or see) it.
    const foreign = await gql(h.app, REPLAY, { id: failed.id }, other.adminToken);
    expect(foreign.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await gql(h.app, RESULT, { id: failed.id }, other.adminToken)).data?.executionResult ?? null).toBeNull();
  });

  it('filters executionResults by isTestExecution both ways', async () => {
    const LIST = `query($i: ID, $t: Boolean) { executionResults(integration: $i, isTestExecution: $t) { nodes { id isTestExecution } } }`;
    const flows = await gql(h.app, `query($id: ID!) { integration(id: $id) { flows { nodes { id } } } }`, { id: integrationId }, org.adminToken);
    const test = await gql(
      h.app,
      `mutation($id: ID!) { testIntegrationFlow(input: { id: $id, payload: "{\\"name\\":\\"t\\"}" }) { errors { field messages } } }`,
      { id: flows.data.integration.flows.nodes[0].id },
      org.adminToken,
    );
    expect(test.data.testIntegrationFlow.errors).toEqual([]);
    const real = (await gql(h.app, LIST, { i: integrationId, t: false }, org.adminToken)).data.executionResults.nodes;
    const tests = (await gql(h.app, LIST, { i: integrationId, t: true }, org.adminToken)).data.executionResults.nodes;
    expect(real.length).toBeGreaterThan(0);
    expect(tests.length).toBeGreaterThan(0);
    expect(real.every((e: { isTestExecution: boolean }) => !e.isTestExecution)).toBe(true);
    expect(tests.every((e: { isTestExecution: boolean }) => e.isTestExecution)).toBe(true);
  });
});
