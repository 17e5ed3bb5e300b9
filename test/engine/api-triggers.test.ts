import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeGlobalId } from '../../src/lib/global-id';
import { startFakeApi, type FakeApi } from '../fakes/fake-api';
import { connectionId, createCustomerValues, createScoped } from '../support/connections';
import { createHarness, gql, type Harness } from '../support/harness';
import { acmeRecordDefinition, awaitEnd, deployInstance, importAndPublish, postWebhook } from '../support/integrations';
import { seedCustomer, seedOrg, type SeededOrg } from '../support/seed';
import { startTestWorker } from '../support/worker';

let h: Harness;
let org: SeededOrg;
let api: FakeApi;
let worker: Awaited<ReturnType<typeof startTestWorker>>;
let integration: Awaited<ReturnType<typeof importAndPublish>>;
let customer: string;
let instance: Awaited<ReturnType<typeof deployInstance>>;

const RUN_FLOW = `mutation($input: RunFlowInput!) { runFlow(input: $input) { execution { id status } errors { field messages } } }`;

beforeAll(async () => {
  h = createHarness();
  org = await seedOrg(h.database.db);
  api = await startFakeApi();
  api.on('POST /records', { status: 201, json: { id: 'from-api-trigger' } });
  worker = await startTestWorker();
  const acme = await connectionId(h.app, org.adminToken, 'acme-api', 'api-key');
  const scv = await createScoped(h.app, org.adminToken, {
    key: 'Acme',
    stableKey: 'acme-api-triggers',
    variableScope: 'customer',
    connection: acme,
    inputs: [{ name: 'baseUrl', type: 'value', value: api.url }],
  });
  customer = encodeGlobalId('Customer', (await seedCustomer(h.database.db, org.admin)).id);
  await createCustomerValues(h.app, org.adminToken, {
    scopedConfigVariable: scv.id,
    customer,
    inputs: [{ name: 'apiKey', type: 'value', value: 'api-trigger-key' }],
  });
  integration = await importAndPublish(h.app, org.adminToken, acmeRecordDefinition({ stableKey: 'api-triggers', connectionStableKey: 'acme-api-triggers' }));
  instance = await deployInstance(h.app, org.adminToken, { integration: integration.id, customer, name: 'API triggers' });
});
afterAll(async () => {
  await worker.stop();
  await api.close();
  await h.close();
});

describe('runFlow', () => {
  it('starts a flow of a deployed instance with a JSON payload', async () => {
    const res = await gql(h.app, RUN_FLOW, { input: { instance: instance.id, flow: 'create', payload: '{"name":"via api"}' } }, org.adminToken);
    expect(res.data.runFlow.errors).toEqual([]);
    const execution = await awaitEnd(h.app, org.adminToken, res.data.runFlow.execution.id);
    expect(execution).toMatchObject({ status: 'SUCCEEDED', result: { id: 'from-api-trigger' } });
    expect(api.requestsTo('POST /records').at(-1)!.json).toEqual({ name: 'via api' });
  });

  it.each([
    ['an unknown flow', { flow: 'nope' }, 'flow', 'The deployed version has no flow with stable key "nope" (it has: create).'],
    ['a payload that is not JSON', { payload: '{oops' }, 'payload', 'Is not valid JSON (or send a contentType other than JSON).'],
    ['headers that are not a JSON object', { headers: '[1]' }, 'headers', 'Must be a JSON object of header names to values.'],
  ])('answers %s with a payload error and starts nothing', async (_label, override, field, message) => {
    const before = (await gql(h.app, `query($i: ID) { executionResults(instance: $i) { totalCount } }`, { i: instance.id }, org.adminToken)).data
      .executionResults.totalCount;
    const res = await gql(h.app, RUN_FLOW, { input: { instance: instance.id, flow: 'create', ...override } }, org.adminToken);
    expect(res.data.runFlow).toEqual({ execution: null, errors: [{ field, messages: [message] }] });
    const after = (await gql(h.app, `query($i: ID) { executionResults(instance: $i) { totalCount } }`, { i: instance.id }, org.adminToken)).data
      .executionResults.totalCount;
    expect(after).toBe(before);
  });

  it('refuses an instance that is not deployed, and members', async () => {
    const created = await gql(
      h.app,
      `mutation($input: CreateInstanceInput!) { createInstance(input: $input) { instance { id } } }`,
      { input: { name: 'Undeployed', integration: integration.id, customer } },
      org.adminToken,
    );
    const undeployed = await gql(h.app, RUN_FLOW, { input: { instance: created.data.createInstance.instance.id, flow: 'create' } }, org.adminToken);
    expect(undeployed.data.runFlow.errors).toEqual([{ field: 'instance', messages: ['The instance is not deployed yet: deploy it first.'] }]);
    const member = await gql(h.app, RUN_FLOW, { input: { instance: instance.id, flow: 'create' } }, org.memberToken);
    expect(member.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('webhook URLs', () => {
  const post = (path: string, init: RequestInit = {}) => h.app.fetch(`http://127.0.0.1${path}`, { method: 'POST', ...init });

  it('answer 404 for an unknown token and 405 for other methods', async () => {
    expect((await post('/webhooks/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')).status).toBe(404);
    expect((await h.app.fetch(`http://127.0.0.1${new URL(instance.webhooks.create!).pathname}`)).status).toBe(405);
  });

  it('refuse a body over 1 MB with 413 and start nothing', async () => {
    const before = api.requests.length;
    const response = await post(new URL(instance.webhooks.create!).pathname, { body: 'x'.repeat(1024 * 1024 + 1) });
    expect(response.status).toBe(413);
    expect(api.requests.length).toBe(before);
  });

  it('pass query and headers to the flow as trigger.query and trigger.headers', async () => {
    const started = await postWebhook(h.app, `${instance.webhooks.create!}?source=crm`, { name: 'with query' });
    const execution = await awaitEnd(h.app, org.adminToken, started.executionId!);
    expect(execution.status).toBe('SUCCEEDED');
    const [row] = await h.database.db.query.executions.findMany({
      where: (e, { eq }) => eq(e.id, Buffer.from(started.executionId!, 'base64').toString().split(':')[1]!),
    });
    expect(row!.trigger).toMatchObject({ body: { name: 'with query' }, query: { source: 'crm' }, headers: { 'content-type': 'application/json' } });
  });
});
