import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executions } from '../../src/db/tables';
import { fireDueSchedules } from '../../src/execution/schedules';
import { encodeGlobalId } from '../../src/lib/global-id';
import { startFakeApi, type FakeApi } from '../fakes/fake-api';
import { connectionId } from '../support/connections';
import { createConnectorAuth } from '../support/connector-auths';
import { createHarness, gql, type Harness } from '../support/harness';
import { awaitEnd, importAndPublish } from '../support/integrations';
import {
  deployWithFallbackBindings,
  FAKE_SHEETS,
  FAKE_ZENDESK,
  importComponent,
  SEED_CONNECTIONS,
  sheetsCredential,
  zendeskCredential,
} from '../support/seed-000';
import { seedCustomer, seedOrg, type SeededOrg } from '../support/seed';
import { startTestWorker } from '../support/worker';
import { uuidOf } from '../support/worker-reliability';

/*
 * Seed 000 (Locoia multi-tenant flows), step 2b as written: a scheduled flow reads the env variable
 * `FlowNameAuthenticationIds` (customer → connector auth ids), loops over it with `itemName: oneClient`, and
 * every step picks its credential with `auth: "{{ oneClient.zendesk_auth_id }}"`. One execution calls each
 * customer's API with that customer's credential. The auths are org-wide (no customer): the run belongs to
 * the vendor's own instance, and a customer-bound auth only serves that customer's runs.
 */

const DEFINITION = `
name: Nightly tickets to sheet
stableKey: seed-000-nightly
${SEED_CONNECTIONS}flows:
  - name: Nightly
    stableKey: nightly
    trigger: { type: schedule, cron: "* * * * *" }
    steps:
      - name: Define variables
        type: set-variables
        variables: { dic1: "{{ FlowNameAuthenticationIds }}" }
      - name: Iterate over loop
        type: loop
        items: "{{ variables.dic1 }}"
        itemName: oneClient
        onError: continue
        steps:
          - name: List tickets
            action: { component: fake-zendesk, key: list-tickets }
            connection: Zendesk
            auth: "{{ oneClient.zendesk_auth_id }}"
          - name: Append row
            action: { component: fake-sheets, key: append-row }
            connection: Sheets
            auth: "{{ oneClient.google_sheet_auth_id }}"
            inputs:
              values: '["{{ loop.key }}", {{ steps["List tickets"].results.count }}]'
`;

const CUSTOMERS = ['customer_name_or_id_1', 'customer_name_or_id_2', 'customer_name_or_id_3'];

let h: Harness;
let org: SeededOrg;
let zendesk: FakeApi;
let sheets: FakeApi;
let worker: Awaited<ReturnType<typeof startTestWorker>>;
let instanceId: string;

beforeAll(async () => {
  h = createHarness();
  org = await seedOrg(h.database.db);
  zendesk = await startFakeApi();
  sheets = await startFakeApi();
  for (const fake of [zendesk, sheets]) {
    fake.setDefault((request) => (request.method === 'GET' ? { json: { tickets: [{ id: 1 }], count: 1 } } : { json: { updates: {} } }));
  }
  await importComponent(h.app, org.adminToken, FAKE_ZENDESK);
  await importComponent(h.app, org.adminToken, FAKE_SHEETS);
  const zendeskConnection = await connectionId(h.app, org.adminToken, 'fake-zendesk', 'api-token');
  const sheetsConnection = await connectionId(h.app, org.adminToken, 'fake-sheets', 'token');

  // Step 1: the vendor creates each customer's connector auths and keeps the ids.
  const ids: Record<string, { zendesk_auth_id: string; google_sheet_auth_id: string }> = {};
  for (const [i, key] of CUSTOMERS.entries()) {
    ids[key] = {
      zendesk_auth_id: await createConnectorAuth(h.app, org.adminToken, {
        connection: zendeskConnection,
        name: `Zendesk of ${key}`,
        inputs: [
          { name: 'baseUrl', type: 'value', value: zendesk.url },
          { name: 'email', type: 'value', value: `agent@tenant-${i}.test` },
          { name: 'apiToken', type: 'value', value: `zd-token-${i}` },
        ],
      }),
      google_sheet_auth_id: await createConnectorAuth(h.app, org.adminToken, {
        connection: sheetsConnection,
        name: `Sheets of ${key}`,
        inputs: [
          { name: 'baseUrl', type: 'value', value: sheets.url },
          { name: 'token', type: 'value', value: `sheets-token-${i}` },
        ],
      }),
    };
  }
  // A fourth entry whose Zendesk id points nowhere: with onError continue only its iteration fails.
  const broken = { zendesk_auth_id: encodeGlobalId('ConnectorAuth', '00000000-0000-4000-8000-000000000000'), google_sheet_auth_id: 'unused' };
  const created = await gql(
    h.app,
    `mutation($input: CreateEnvVariableInput!) { createEnvVariable(input: $input) { envVariable { id } errors { field messages } } }`,
    { input: { name: 'FlowNameAuthenticationIds', valueType: 'JSON', value: JSON.stringify({ ...ids, customer_broken: broken }) } },
    org.adminToken,
  );
  expect(created.data.createEnvVariable.errors).toEqual([]);

  // The vendor's own instance, with bindings a fallback would use (and the fakes would then see).
  const integration = await importAndPublish(h.app, org.adminToken, DEFINITION);
  const vendor = encodeGlobalId('Customer', (await seedCustomer(h.database.db, org.admin, { name: 'Vendor itself' })).id);
  const instance = await deployWithFallbackBindings(h.app, org.adminToken, {
    integration: integration.id,
    customer: vendor,
    name: 'Nightly for all customers',
    zendeskUrl: zendesk.url,
    sheetsUrl: sheets.url,
  });
  instanceId = uuidOf(instance.id);
  worker = await startTestWorker();
});
afterAll(async () => {
  await worker.stop();
  await zendesk.close();
  await sheets.close();
  await h.close();
});

describe('seed 000 step 2b: a scheduled flow loops over the env variable of auth ids', () => {
  it("one execution calls each customer's API once with that customer's credential", async () => {
    await fireDueSchedules(h.database.db, new Date());
    const [scheduled] = await h.database.db
      .select({ id: executions.id })
      .from(executions)
      .where(and(eq(executions.instanceId, instanceId), eq(executions.invokeType, 'SCHEDULED')));
    expect(scheduled).toBeDefined();
    const run = await awaitEnd(h.app, org.adminToken, encodeGlobalId('InstanceExecutionResult', scheduled!.id));

    expect(run.status).toBe('SUCCEEDED');
    expect(zendesk.requests.map((r) => r.headers.authorization).sort()).toEqual([0, 1, 2].map(zendeskCredential).sort());
    expect(sheets.requests.map((r) => r.headers.authorization).sort()).toEqual([0, 1, 2].map(sheetsCredential).sort());
    for (const [i, key] of CUSTOMERS.entries()) {
      const row = sheets.requests.find((r) => r.headers.authorization === sheetsCredential(i));
      expect(row?.json).toEqual({ values: [[key, 1]] });
    }

    const steps = run.stepResults.nodes as { stepName: string; status: string; error: string | null; credentialSource: string | null }[];
    const actions = steps.filter((s) => s.stepName === 'List tickets' || s.stepName === 'Append row');
    expect(actions.filter((s) => s.status === 'SUCCEEDED').map((s) => s.credentialSource)).toEqual(Array(6).fill('DYNAMIC_AUTH'));
    // The broken customer's iteration failed on its own, naming the step and why, without any fallback.
    const failed = actions.filter((s) => s.status === 'FAILED');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.stepName).toBe('List tickets');
    expect(failed[0]!.error).toMatch(/List tickets.*not found/);
    const warnings = (run.logs.nodes as { severity: string; message: string }[]).filter((l) => l.severity === 'WARN').map((l) => l.message);
    expect(warnings.some((m) => m.includes('customer_broken'))).toBe(true);
  });
});
