import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeGlobalId } from '../../src/lib/global-id';
import { startFakeApi, type FakeApi } from '../fakes/fake-api';
import { connectionId, createCustomerValues, createScoped } from '../support/connections';
import { createHarness, gql, type Harness } from '../support/harness';
import { acmeRecordDefinition, awaitEnd, deployInstance, importAndPublish, postWebhook } from '../support/integrations';
import { seedCustomer, seedOrg, type SeededOrg } from '../support/seed';
import { startTestWorker } from '../support/worker';

const DEFINITION = acmeRecordDefinition({ stableKey: 'acme-record-sync', connectionStableKey: 'acme-per-customer' });

let h: Harness;
let org: SeededOrg;
let api: FakeApi;
let worker: Awaited<ReturnType<typeof startTestWorker>>;
let integration: Awaited<ReturnType<typeof importAndPublish>>;

beforeAll(async () => {
  h = createHarness();
  org = await seedOrg(h.database.db);
  api = await startFakeApi();
  api.on('POST /records', { status: 201, json: { id: 'rec-1' } });
  worker = await startTestWorker();
  const acme = await connectionId(h.app, org.adminToken, 'acme-api', 'api-key');
  const scv = await createScoped(h.app, org.adminToken, {
    key: 'Acme',
    stableKey: 'acme-per-customer',
    variableScope: 'customer',
    connection: acme,
    inputs: [{ name: 'baseUrl', type: 'value', value: api.url }],
  });
  await createCustomerValues(h.app, org.adminToken, {
    scopedConfigVariable: scv.id,
    isTest: true,
    inputs: [{ name: 'apiKey', type: 'value', value: 'designer-test-key' }],
  });
  for (let i = 1; i <= 3; i++) {
    const customer = encodeGlobalId('Customer', (await seedCustomer(h.database.db, org.admin, { name: `Tenant ${i}` })).id);
    await createCustomerValues(h.app, org.adminToken, {
      scopedConfigVariable: scv.id,
      customer,
      inputs: [{ name: 'apiKey', type: 'value', value: `key-of-tenant-${i}` }],
    });
  }
  integration = await importAndPublish(h.app, org.adminToken, DEFINITION);
});
afterAll(async () => {
  await worker.stop();
  await api.close();
  await h.close();
});

describe('one integration, three customers, three credentials', () => {
  it("sends each customer's webhook with that customer's credential, once", async () => {
    const customers = await gql(
      h.app,
      `{ customers(name_Icontains: "Tenant ", sortBy: [{ field: NAME, direction: ASC }]) { nodes { id name } } }`,
      {},
      org.adminToken,
    );
    const runs: { customer: string; executionId: string }[] = [];
    for (const customer of customers.data.customers.nodes) {
      const instance = await deployInstance(h.app, org.adminToken, { integration: integration.id, customer: customer.id, name: `Sync for ${customer.name}` });
      const response = await postWebhook(h.app, instance.webhooks.create!, { name: customer.name });
      expect(response.status).toBe(202);
      expect(response.executionId).toBe(response.body.executionId);
      runs.push({ customer: customer.name, executionId: response.executionId! });
    }
    for (const run of runs) {
      const execution = await awaitEnd(h.app, org.adminToken, run.executionId);
      expect(execution.status).toBe('SUCCEEDED');
      expect(execution.stepResults.nodes).toHaveLength(1);
      expect(execution.stepResults.nodes[0]).toMatchObject({
        stepName: 'Create record',
        status: 'SUCCEEDED',
        credentialSource: 'INSTANCE_SCOPED_CONNECTION',
        credentialRule: 3,
        output: { id: 'rec-1' },
      });
    }
    const received = api.requestsTo('POST /records');
    expect(received.map((r) => [r.json, r.headers['x-api-key']]).sort()).toEqual([
      [{ name: 'Tenant 1' }, 'key-of-tenant-1'],
      [{ name: 'Tenant 2' }, 'key-of-tenant-2'],
      [{ name: 'Tenant 3' }, 'key-of-tenant-3'],
    ]);
    expect(new Set(received.map((r) => r.idempotencyKey)).size).toBe(3);
  });

  it('runs a designer test with the test credential', async () => {
    const before = api.requestsTo('POST /records').length;
    const res = await gql(
      h.app,
      `mutation($id: ID!) { testIntegrationFlow(input: { id: $id, payload: "{\\"name\\":\\"designer\\"}" }) { testIntegrationFlowResult { execution { id } } errors { field messages } } }`,
      { id: integration.flowIds.create },
      org.adminToken,
    );
    const execution = await awaitEnd(h.app, org.adminToken, res.data.testIntegrationFlow.testIntegrationFlowResult.execution.id);
    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.stepResults.nodes[0]).toMatchObject({ credentialSource: 'TEST_CREDENTIAL', credentialRule: 4 });
    const sent = api.requestsTo('POST /records').slice(before);
    expect(sent.map((r) => [r.json, r.headers['x-api-key']])).toEqual([[{ name: 'designer' }, 'designer-test-key']]);
  });
});
