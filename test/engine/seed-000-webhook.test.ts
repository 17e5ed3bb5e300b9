import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { decodeGlobalId, encodeGlobalId } from '../../src/lib/global-id';
import { idempotencyKey } from '../../src/execution/policy/idempotency-key';
import { startFakeApi, type FakeApi } from '../fakes/fake-api';
import { connectionId } from '../support/connections';
import { createConnectorAuth } from '../support/connector-auths';
import { createHarness, gql, type Harness } from '../support/harness';
import {
  basicCredential,
  deployWithFallbackBindings,
  FAKE_SHEETS,
  FAKE_ZENDESK,
  importComponent,
  SEED_CONNECTIONS,
  sheetsCredential,
  zendeskCredential,
} from '../support/seed-000';
import { awaitEnd, deployInstance, importAndPublish, postWebhook } from '../support/integrations';
import { seedCustomer, seedOrg, type SeededOrg } from '../support/seed';
import { startTestWorker } from '../support/worker';

/*
 * Seed 000 (Locoia multi-tenant flows), steps 1 and 2a: the vendor's backend creates connector auths for
 * each of its customers, keeps their ids, and passes them per call in the webhook's query string (or body).
 */

// Every step also has a working connection binding: a fallback to it would show up at the fakes.
const DEFINITION = `
name: Tickets to sheet
stableKey: seed-000-tickets-to-sheet
${SEED_CONNECTIONS}flows:
  - name: Sync
    stableKey: sync
    trigger: { type: webhook }
    steps:
      - name: List tickets
        action: { component: fake-zendesk, key: list-tickets }
        connection: Zendesk
        auth: "{{ trigger.body.zendesk_auth_id }}"
      - name: Append row
        action: { component: fake-sheets, key: append-row }
        connection: Sheets
        auth: "{{ trigger.body.google_sheet_auth_id }}"
        inputs:
          values: '["{{ customer.name }}", {{ steps["List tickets"].results.count }}]'
  - name: Per client
    stableKey: per-client
    trigger: { type: webhook }
    steps:
      - name: For each client
        type: loop
        items: "{{ trigger.body.clients }}"
        itemName: oneClient
        steps:
          - name: List tickets
            action: { component: fake-zendesk, key: list-tickets }
            connection: Zendesk
            auth: "{{ oneClient.zendesk_auth_id }}"
  - name: Query only
    stableKey: query-only
    trigger: { type: webhook }
    steps:
      - name: List tickets
        action: { component: fake-zendesk, key: list-tickets }
        connection: Zendesk
        auth: "{{ trigger.query.zendesk_auth_id }}"
`;

type Tenant = { name: string; customer: string; instance: Awaited<ReturnType<typeof deployInstance>>; zendeskAuth: string; sheetsAuth: string };

let h: Harness;
let org: SeededOrg;
let zendesk: FakeApi;
let sheets: FakeApi;
let worker: Awaited<ReturnType<typeof startTestWorker>>;
const tenants: Tenant[] = [];
let orgWideZendeskAuth: string;
let foreignOrgAuth: string;
let sheetsAuthOfTenant0: string;

const uuidOf = (globalId: string) => decodeGlobalId(globalId)!.id;

beforeAll(async () => {
  h = createHarness();
  org = await seedOrg(h.database.db);
  zendesk = await startFakeApi();
  sheets = await startFakeApi();
  worker = await startTestWorker();
  await importComponent(h.app, org.adminToken, FAKE_ZENDESK);
  await importComponent(h.app, org.adminToken, FAKE_SHEETS);
  const zendeskConnection = await connectionId(h.app, org.adminToken, 'fake-zendesk', 'api-token');
  const sheetsConnection = await connectionId(h.app, org.adminToken, 'fake-sheets', 'token');
  const integration = await importAndPublish(h.app, org.adminToken, DEFINITION);

  // Step 1: each customer authenticates; the vendor stores the returned ids on its own customer record.
  for (let i = 0; i < 3; i++) {
    const name = `Seed tenant ${i}`;
    const customer = encodeGlobalId('Customer', (await seedCustomer(h.database.db, org.admin, { name })).id);
    const zendeskAuth = await createConnectorAuth(h.app, org.adminToken, {
      connection: zendeskConnection,
      name: `Zendesk of ${name}`,
      customer,
      inputs: [
        { name: 'baseUrl', type: 'value', value: zendesk.url },
        { name: 'email', type: 'value', value: `agent@tenant-${i}.test` },
        { name: 'apiToken', type: 'value', value: `zd-token-${i}` },
      ],
    });
    const sheetsAuth = await createConnectorAuth(h.app, org.adminToken, {
      connection: sheetsConnection,
      name: `Sheets of ${name}`,
      customer,
      inputs: [
        { name: 'baseUrl', type: 'value', value: sheets.url },
        { name: 'token', type: 'value', value: `sheets-token-${i}` },
      ],
    });
    const instance = await deployWithFallbackBindings(h.app, org.adminToken, {
      integration: integration.id,
      customer,
      name: `Tickets for ${name}`,
      zendeskUrl: zendesk.url,
      sheetsUrl: sheets.url,
    });
    tenants.push({ name, customer, instance, zendeskAuth, sheetsAuth });
  }
  sheetsAuthOfTenant0 = tenants[0]!.sheetsAuth;
  orgWideZendeskAuth = await createConnectorAuth(h.app, org.adminToken, {
    connection: zendeskConnection,
    name: 'Zendesk of the vendor',
    inputs: [
      { name: 'baseUrl', type: 'value', value: zendesk.url },
      { name: 'email', type: 'value', value: 'agent@vendor.test' },
      { name: 'apiToken', type: 'value', value: 'zd-token-vendor' },
    ],
  });
  const other = await seedOrg(h.database.db);
  await importComponent(h.app, other.adminToken, FAKE_ZENDESK);
  foreignOrgAuth = await createConnectorAuth(h.app, other.adminToken, {
    connection: await connectionId(h.app, other.adminToken, 'fake-zendesk', 'api-token'),
    name: 'Zendesk of another organization',
    inputs: [
      { name: 'baseUrl', type: 'value', value: zendesk.url },
      { name: 'email', type: 'value', value: 'agent@other.test' },
      { name: 'apiToken', type: 'value', value: 'zd-token-other' },
    ],
  });
});
beforeEach(() => {
  for (const fake of [zendesk, sheets]) {
    fake.reset();
    fake.setDefault((request) => (request.method === 'GET' ? { json: { tickets: [{ id: 1 }, { id: 2 }], count: 2 } } : { json: { updates: {} } }));
  }
});
afterAll(async () => {
  await worker.stop();
  await zendesk.close();
  await sheets.close();
  await h.close();
});

const queryOf = (ids: Record<string, string>) => `?${new URLSearchParams(ids)}`;

/** Calls the tenant's webhook (query string and/or body) and waits for the run. */
async function call(tenant: Tenant, flow: string, opts: { query?: Record<string, string>; body?: Record<string, unknown> }) {
  const url = `${tenant.instance.webhooks[flow]!}${opts.query ? queryOf(opts.query) : ''}`;
  const response = await postWebhook(h.app, url, opts.body ?? {});
  expect(response.status).toBe(202);
  return awaitEnd(h.app, org.adminToken, response.executionId!);
}

function requestOf(fake: FakeApi, executionId: string, stepName: string) {
  const key = idempotencyKey(uuidOf(executionId), stepName, []);
  return fake.requestsWithIdempotencyKey(key);
}

describe('seed 000 step 2a: connector auth ids per webhook call', () => {
  it.each([
    ['in the query string (global ids)', 'query', (t: Tenant) => ({ zendesk_auth_id: t.zendeskAuth, google_sheet_auth_id: t.sheetsAuth })],
    ['in the JSON body (raw uuids)', 'body', (t: Tenant) => ({ zendesk_auth_id: uuidOf(t.zendeskAuth), google_sheet_auth_id: uuidOf(t.sheetsAuth) })],
  ] as const)("ids %s: each fake sees exactly that customer's credential", async (_how, where, idsOf) => {
    const runs = await Promise.all(
      tenants.map((tenant) => call(tenant, 'sync', where === 'query' ? { query: idsOf(tenant), body: { ticket: 'new' } } : { body: idsOf(tenant) })),
    );
    runs.forEach((execution, i) => {
      const tenant = tenants[i]!;
      expect(execution.status).toBe('SUCCEEDED');
      expect(execution.stepResults.nodes.map((s: Record<string, unknown>) => [s.stepName, s.credentialSource, s.credentialId, s.credentialRule])).toEqual([
        ['List tickets', 'DYNAMIC_AUTH', uuidOf(tenant.zendeskAuth), 1],
        ['Append row', 'DYNAMIC_AUTH', uuidOf(tenant.sheetsAuth), 1],
      ]);
      const [ticketsRequest] = requestOf(zendesk, execution.id, 'List tickets');
      const [rowRequest] = requestOf(sheets, execution.id, 'Append row');
      expect(ticketsRequest?.headers.authorization).toBe(zendeskCredential(i));
      expect(rowRequest?.headers.authorization).toBe(sheetsCredential(i));
      expect(rowRequest?.json).toEqual({ values: [[tenant.name, 2]] });
    });
    // Three calls each, and never the step's binding.
    expect(zendesk.requests.map((r) => r.headers.authorization).sort()).toEqual([0, 1, 2].map(zendeskCredential).sort());
    expect(sheets.requests.map((r) => r.headers.authorization).sort()).toEqual([0, 1, 2].map(sheetsCredential).sort());
  });

  it('appends query parameters to the body; the body wins a shared key', async () => {
    const tenant = tenants[1]!;
    const execution = await call(tenant, 'sync', {
      query: { zendesk_auth_id: tenants[0]!.zendeskAuth, google_sheet_auth_id: tenant.sheetsAuth },
      body: { zendesk_auth_id: tenant.zendeskAuth },
    });
    expect(execution.status).toBe('SUCCEEDED');
    expect(requestOf(zendesk, execution.id, 'List tickets')[0]?.headers.authorization).toBe(zendeskCredential(1));
    expect(requestOf(sheets, execution.id, 'Append row')[0]?.headers.authorization).toBe(sheetsCredential(1));
  });

  it("an organization-wide auth (no customer) serves any customer's run", async () => {
    const execution = await call(tenants[2]!, 'query-only', { query: { zendesk_auth_id: orgWideZendeskAuth } });
    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.stepResults.nodes[0]).toMatchObject({ credentialSource: 'DYNAMIC_AUTH', credentialId: uuidOf(orgWideZendeskAuth) });
    expect(zendesk.requests.map((r) => r.headers.authorization)).toEqual([basicCredential('agent@vendor.test', 'zd-token-vendor')]);
  });
});

describe('an auth expression inside a loop', () => {
  it('is rendered per iteration: each iteration uses its own auth', async () => {
    const second = await createConnectorAuth(h.app, org.adminToken, {
      connection: await connectionId(h.app, org.adminToken, 'fake-zendesk', 'api-token'),
      name: 'Second organization-wide Zendesk',
      inputs: [
        { name: 'baseUrl', type: 'value', value: zendesk.url },
        { name: 'email', type: 'value', value: 'agent@second.test' },
        { name: 'apiToken', type: 'value', value: 'zd-token-second' },
      ],
    });
    const clients = [{ zendesk_auth_id: orgWideZendeskAuth }, { zendesk_auth_id: uuidOf(second) }, { zendesk_auth_id: orgWideZendeskAuth }];
    const execution = await call(tenants[0]!, 'per-client', { body: { clients } });
    expect(execution.status).toBe('SUCCEEDED');
    const steps = execution.stepResults.nodes.filter((s: { stepName: string }) => s.stepName === 'List tickets');
    expect(steps.map((s: { credentialId: string }) => s.credentialId)).toEqual([uuidOf(orgWideZendeskAuth), uuidOf(second), uuidOf(orgWideZendeskAuth)]);
    const vendor = basicCredential('agent@vendor.test', 'zd-token-vendor');
    expect(zendesk.requests.map((r) => r.headers.authorization)).toEqual([vendor, basicCredential('agent@second.test', 'zd-token-second'), vendor]);
  });
});

describe('rule 1 failures: the step fails naming the reason, nothing is sent, nothing falls back', () => {
  const unknown = encodeGlobalId('ConnectorAuth', '00000000-0000-4000-8000-000000000000');
  it.each([
    ['an unknown id', () => ({ zendesk_auth_id: unknown }), /^Connector auth '.+' \(the auth of step 'List tickets'\) was not found\.$/],
    ['a malformed id', () => ({ zendesk_auth_id: 'not-an-id' }), /^Connector auth 'not-an-id' \(the auth of step 'List tickets'\) was not found\.$/],
    ["another organization's id", () => ({ zendesk_auth_id: foreignOrgAuth }), /^Connector auth '.+' \(the auth of step 'List tickets'\) was not found\.$/],
    ["another customer's auth", () => ({ zendesk_auth_id: tenants[1]!.zendeskAuth }), /belongs to another customer than this run's\.$/],
    [
      'an auth of another component',
      () => ({ zendesk_auth_id: sheetsAuthOfTenant0 }),
      /is for component 'fake-sheets', but the step's action needs component 'fake-zendesk'\.$/,
    ],
    ['an empty render', () => ({}), /^The auth expression of step 'List tickets' produced no connector auth id\.$/],
  ])('%s', async (_what, ids, reason) => {
    const execution = await call(tenants[0]!, 'query-only', { query: ids() });
    expect(execution.status).toBe('FAILED');
    const [step] = execution.stepResults.nodes;
    expect(step).toMatchObject({ stepName: 'List tickets', status: 'FAILED', credentialSource: null, credentialId: null, credentialRule: 1 });
    expect(step.error).toMatch(reason);
    expect(execution.error).toBe(`Step "List tickets" failed: ${step.error}`);
    expect(zendesk.requests).toEqual([]);
    expect(sheets.requests).toEqual([]);
  });

  it("another organization's id reads exactly like an unknown one", async () => {
    const foreign = await call(tenants[0]!, 'query-only', { query: { zendesk_auth_id: foreignOrgAuth } });
    const missing = await call(tenants[0]!, 'query-only', { query: { zendesk_auth_id: unknown } });
    const strip = (error: string) => error.replace(foreignOrgAuth, 'ID').replace(unknown, 'ID');
    expect(strip(foreign.stepResults.nodes[0].error)).toBe(strip(missing.stepResults.nodes[0].error));
  });
});

describe('explainCredential for a webhook call', () => {
  const EXPLAIN = `query($flow: ID!, $customer: ID, $payload: String, $query: String, $step: String!) {
    explainCredential(flow: $flow, step: $step, customer: $customer, payload: $payload, query: $query) { outcome rule source credentialId reason }
  }`;
  it('renders the auth expression over the given query string or payload, as the run does', async () => {
    const flows = await gql(h.app, `{ integrations { nodes { stableKey flows { nodes { id stableKey } } } } }`, {}, org.adminToken);
    const integration = flows.data.integrations.nodes.find((i: { stableKey: string }) => i.stableKey === 'seed-000-tickets-to-sheet');
    const flowId = integration.flows.nodes.find((f: { stableKey: string }) => f.stableKey === 'sync').id;
    const tenant = tenants[0]!;
    const fromQuery = await gql(
      h.app,
      EXPLAIN,
      { flow: flowId, step: 'List tickets', customer: tenant.customer, query: `zendesk_auth_id=${encodeURIComponent(tenant.zendeskAuth)}` },
      org.adminToken,
    );
    expect(fromQuery.data.explainCredential).toMatchObject({ outcome: 'USE', rule: 1, source: 'DYNAMIC_AUTH', credentialId: uuidOf(tenant.zendeskAuth) });
    const fromBody = await gql(
      h.app,
      EXPLAIN,
      { flow: flowId, step: 'Append row', customer: tenant.customer, payload: JSON.stringify({ google_sheet_auth_id: uuidOf(tenants[2]!.sheetsAuth) }) },
      org.adminToken,
    );
    expect(fromBody.data.explainCredential).toMatchObject({ outcome: 'FAIL', rule: 1, source: null });
    expect(fromBody.data.explainCredential.reason).toMatch(/belongs to another customer than this run's/);
    const nothing = await gql(h.app, EXPLAIN, { flow: flowId, step: 'List tickets', customer: tenant.customer }, org.adminToken);
    expect(nothing.data.explainCredential).toMatchObject({
      outcome: 'FAIL',
      rule: 1,
      reason: "The auth expression of step 'List tickets' produced no connector auth id.",
    });
    expect(zendesk.requests).toEqual([]);
  });
});
