import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCustomer } from '../../src/domain/customers/customers';
import { encodeGlobalId } from '../../src/lib/global-id';
import { startFakeApi, type FakeApi } from '../fakes/fake-api';
import { connectionId, createCustomerValues, createScoped } from '../support/connections';
import { createHarness, type Harness } from '../support/harness';
import { awaitEnd, deployInstance, importAndPublish, postWebhook } from '../support/integrations';
import { seedOrg, type SeededOrg } from '../support/seed';
import { startTestWorker } from '../support/worker';

const UPSTREAM_TEXT = 'invalid api key sk_live_upstream_echo';

// `record` shows what templates can read of the request headers; `fail` is synchronous and its upstream fails.
const DEFINITION = `
name: webhook-security-engine
stableKey: webhook-security-engine
requiredConfigVars:
  - key: Acme
    dataType: connection
    useScopedConfigVar: acme-webhook-security
flows:
  - name: Record
    stableKey: record
    trigger: { type: webhook }
    steps:
      - name: Create record
        action: { component: acme-api, key: create-record }
        connection: Acme
        inputs:
          name: "auth=[{{ trigger.headers.authorization }}] cookie=[{{ trigger.headers.cookie }}] n={{ trigger.body.n }}"
  - name: Fail
    stableKey: fail
    trigger: { type: webhook, synchronous: true }
    steps:
      - name: Create record
        action: { component: acme-api, key: create-record }
        connection: Acme
        inputs:
          name: fail
`;

let h: Harness;
let org: SeededOrg;
let api: FakeApi;
let worker: Awaited<ReturnType<typeof startTestWorker>>;
let webhooks: Record<string, string>;
let inFlight = 0;
let peak = 0;

beforeAll(async () => {
  h = createHarness();
  org = await seedOrg(h.database.db);
  api = await startFakeApi();
  api.on('POST /records', async (request) => {
    if ((request.json as { name: string }).name === 'fail') return { status: 400, json: { error: UPSTREAM_TEXT } };
    peak = Math.max(peak, ++inFlight);
    await new Promise((resolve) => setTimeout(resolve, 250));
    inFlight--;
    return { status: 201, json: { id: 'rec' } };
  });
  worker = await startTestWorker();
  const acme = await connectionId(h.app, org.adminToken, 'acme-api', 'api-key');
  const scv = await createScoped(h.app, org.adminToken, {
    key: 'Acme',
    stableKey: 'acme-webhook-security',
    variableScope: 'customer',
    connection: acme,
    inputs: [{ name: 'baseUrl', type: 'value', value: api.url }],
  });
  const limited = await createCustomer(h.database.db, org.admin, { name: 'One At A Time Co', concurrentExecutionLimit: 1 });
  const customer = encodeGlobalId('Customer', limited.id);
  await createCustomerValues(h.app, org.adminToken, {
    scopedConfigVariable: scv.id,
    customer,
    inputs: [{ name: 'apiKey', type: 'value', value: 'limited-key' }],
  });
  const integration = await importAndPublish(h.app, org.adminToken, DEFINITION);
  webhooks = (await deployInstance(h.app, org.adminToken, { integration: integration.id, customer, name: 'Limited' })).webhooks;
});
afterAll(async () => {
  await worker.stop();
  await api.close();
  await h.close();
});

describe('webhook executions', () => {
  it("hold a customer's concurrentExecutionLimit: with 1, four calls run one at a time and all succeed", async () => {
    const started = await Promise.all([1, 2, 3, 4].map((n) => postWebhook(h.app, webhooks.record!, { n })));
    const ended = await Promise.all(started.map((call) => awaitEnd(h.app, org.adminToken, call.executionId!)));
    expect(ended.map((execution) => execution.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    expect(api.requestsTo('POST /records')).toHaveLength(4);
    expect(peak).toBe(1);
  });

  it('give templates no Authorization or Cookie header', async () => {
    const call = await postWebhook(h.app, webhooks.record!, { n: 5 }, { authorization: 'Bearer caller-secret', cookie: 'session=caller-cookie' });
    expect((await awaitEnd(h.app, org.adminToken, call.executionId!)).status).toBe('SUCCEEDED');
    expect(api.requestsTo('POST /records').at(-1)!.json).toEqual({ name: 'auth=[] cookie=[] n=5' });
  });

  it('answer a failed synchronous run with a generic error and the execution id, not the upstream text', async () => {
    const call = await postWebhook(h.app, webhooks.fail!, {});
    expect(call.status).toBe(500);
    expect(call.body).toEqual({ executionId: call.executionId, error: 'The flow failed; its execution result (executionResult with this id) says why.' });
    expect(JSON.stringify(call.body)).not.toContain('sk_live');
  });
});
