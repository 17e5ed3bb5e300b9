import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { encodeGlobalId } from '../../src/lib/global-id';
import { startFakeApi, type FakeApi } from '../fakes/fake-api';
import { connectionId, createCustomerValues, createScoped } from '../support/connections';
import { createHarness, gql, type Harness } from '../support/harness';
import { acmeRecordDefinition, awaitEnd, deployInstance, importAndPublish, postWebhook } from '../support/integrations';
import { seedCustomer, seedOrg, type SeededOrg } from '../support/seed';
import { startTestWorker } from '../support/worker';

const DEFINITION = acmeRecordDefinition({ stableKey: 'failure-modes', connectionStableKey: 'acme-failures' });

let h: Harness;
let org: SeededOrg;
let api: FakeApi;
let worker: Awaited<ReturnType<typeof startTestWorker>>;
let integration: Awaited<ReturnType<typeof importAndPublish>>;
let webhook: string;
let customerWithoutValues: string;

beforeAll(async () => {
  h = createHarness();
  org = await seedOrg(h.database.db);
  api = await startFakeApi();
  worker = await startTestWorker();
  const acme = await connectionId(h.app, org.adminToken, 'acme-api', 'api-key');
  const scv = await createScoped(h.app, org.adminToken, {
    key: 'Acme',
    stableKey: 'acme-failures',
    variableScope: 'customer',
    connection: acme,
    inputs: [{ name: 'baseUrl', type: 'value', value: api.url }],
  });
  const customer = encodeGlobalId('Customer', (await seedCustomer(h.database.db, org.admin, { name: 'Flaky Co' })).id);
  await createCustomerValues(h.app, org.adminToken, {
    scopedConfigVariable: scv.id,
    customer,
    inputs: [{ name: 'apiKey', type: 'value', value: 'flaky-key' }],
  });
  customerWithoutValues = encodeGlobalId('Customer', (await seedCustomer(h.database.db, org.admin, { name: 'No Values Co' })).id);
  integration = await importAndPublish(h.app, org.adminToken, DEFINITION);
  webhook = (await deployInstance(h.app, org.adminToken, { integration: integration.id, customer, name: 'Flaky' })).webhooks.create!;
});
beforeEach(() => api.reset());
afterAll(async () => {
  await worker.stop();
  await api.close();
  await h.close();
});

async function run(name: string) {
  const started = await postWebhook(h.app, webhook, { name });
  return awaitEnd(h.app, org.adminToken, started.executionId!);
}

describe('transient failures are retried with the same idempotency key', () => {
  it('503, 503, then 201: the step succeeds on the third attempt', async () => {
    api.script('POST /records', [{ status: 503 }, { status: 503 }, { status: 201, json: { id: 'r-3' } }]);
    const execution = await run('retry me');
    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.stepResults.nodes[0]).toMatchObject({ status: 'SUCCEEDED', attempts: 3, output: { id: 'r-3' } });
    const sent = api.requestsTo('POST /records');
    expect(sent).toHaveLength(3);
    expect(new Set(sent.map((r) => r.idempotencyKey)).size).toBe(1);
    expect(sent[0]!.idempotencyKey).toMatch(/^tf-/);
    // The retries show in the run log, on the step, with their reasons.
    const retries = execution.logs.nodes.filter((log: { message: string }) => log.message.includes('retrying'));
    expect(retries).toEqual([
      { severity: 'WARN', stepName: execution.stepResults.nodes[0].stepName, message: expect.stringMatching(/^Attempt 1 failed \(.*503.*\); retrying$/) },
      { severity: 'WARN', stepName: execution.stepResults.nodes[0].stepName, message: expect.stringMatching(/^Attempt 2 failed \(.*503.*\); retrying$/) },
    ]);
  });

  it('429 with Retry-After and a dropped connection are retried too', async () => {
    api.script('POST /records', [{ status: 429, headers: { 'retry-after': '0' } }, { drop: true }, { status: 201, json: { id: 'r-4' } }]);
    const execution = await run('throttled');
    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.stepResults.nodes[0].attempts).toBe(3);
  });

  it('gives up after the allowed attempts and says so', async () => {
    api.script('POST /records', [{ status: 503 }, { status: 503 }, { status: 503 }, { status: 503 }, { status: 201 }]);
    const execution = await run('down');
    expect(execution.status).toBe('FAILED');
    expect(execution.stepResults.nodes[0].error).toMatch(/^HTTP 503 from POST http:\/\/127\.0\.0\.1:\d+\/records.* after 4 attempts$/);
    expect(api.requestsTo('POST /records')).toHaveLength(4);
  });
});

describe('permanent failures', () => {
  it('a 422 fails the step at once, with the upstream status in the error', async () => {
    api.on('POST /records', { status: 422, json: { error: 'name is invalid' } });
    const execution = await run('bad');
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toMatch(/^Step "Create record" failed: HTTP 422 from POST http:\/\/127\.0\.0\.1:\d+\/records: \{"error":"name is invalid"\}$/);
    expect(execution.stepResults.nodes[0]).toMatchObject({ status: 'FAILED', attempts: 1 });
    expect(api.requestsTo('POST /records')).toHaveLength(1);
  });

  it('a customer without a value for the connection fails naming connection and customer, and sends nothing', async () => {
    const instance = await deployInstance(h.app, org.adminToken, { integration: integration.id, customer: customerWithoutValues, name: 'No values' });
    const started = await postWebhook(h.app, instance.webhooks.create!, { name: 'x' });
    const execution = await awaitEnd(h.app, org.adminToken, started.executionId!);
    expect(execution.status).toBe('FAILED');
    expect(execution.stepResults.nodes[0]).toMatchObject({
      status: 'FAILED',
      credentialRule: 5,
      credentialSource: null,
      error: "Connection 'Acme' has no value for customer 'No Values Co'.",
    });
    expect(api.requests).toHaveLength(0);
  });
});

describe('explainCredential', () => {
  const EXPLAIN = `query($flow: ID!, $customer: ID) { explainCredential(flow: $flow, step: "Create record", customer: $customer) { outcome rule source credentialId reason connection } }`;

  it('answers the decision the engine makes, without running anything', async () => {
    const missing = await gql(h.app, EXPLAIN, { flow: integration.flowIds.create, customer: customerWithoutValues }, org.adminToken);
    expect(missing.data.explainCredential).toEqual({
      outcome: 'FAIL',
      rule: 5,
      source: null,
      credentialId: null,
      reason: "Connection 'Acme' has no value for customer 'No Values Co'.",
      connection: 'Acme',
    });
    const test = await gql(h.app, EXPLAIN, { flow: integration.flowIds.create }, org.adminToken);
    expect(test.data.explainCredential).toMatchObject({ outcome: 'FAIL', rule: 5, reason: "Connection 'Acme' has no test credentials for test runs." });
    expect(api.requests).toHaveLength(0);
  });

  it('names the credential a configured customer uses', async () => {
    const customers = await gql(h.app, `{ customers(name: "Flaky Co") { nodes { id } } }`, {}, org.adminToken);
    const res = await gql(h.app, EXPLAIN, { flow: integration.flowIds.create, customer: customers.data.customers.nodes[0].id }, org.adminToken);
    expect(res.data.explainCredential).toMatchObject({ outcome: 'USE', rule: 3, source: 'INSTANCE_SCOPED_CONNECTION', connection: 'Acme' });
    expect(res.data.explainCredential.credentialId).toMatch(/^[0-9a-f-]{36}$/);
  });
});
