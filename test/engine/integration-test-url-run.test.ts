import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, gql, type Harness } from '../support/harness';
import { EXECUTION } from '../support/integrations';
import { seedOrg, type SeededOrg } from '../support/seed';
import { startTestWorker } from '../support/worker';

/*
 * A call to IntegrationFlow.testUrl (the test instance's webhook URL of the flow) really runs the draft flow,
 * whatever its trigger: with prismatic-synchronous it answers the run's result.
 */

const DEFINITION = `
name: Test URL echo
stableKey: test-url-echo
flows:
  - name: Echo
    stableKey: echo
    trigger: { type: webhook }
    steps:
      - name: Keep the order
        type: set-variables
        variables:
          order: "{{ trigger.body.order }}"
  - name: Nightly echo
    stableKey: nightly-echo
    trigger: { type: schedule, cron: "0 3 * * *" }
    steps:
      - name: Keep the order
        type: set-variables
        variables:
          order: "{{ trigger.body.order }}"
`;

const IMPORT = `mutation($d: String!) { importIntegration(input: { definition: $d }) { integration {
  flows { nodes { stableKey testUrl } } systemInstance { flowConfigs { nodes { webhookUrl flow { stableKey } } } } } } }`;

let h: Harness;
let org: SeededOrg;
let worker: Awaited<ReturnType<typeof startTestWorker>>;

beforeAll(async () => {
  h = createHarness();
  org = await seedOrg(h.database.db);
  worker = await startTestWorker();
});
afterAll(async () => {
  await worker.stop();
  await h.close();
});

describe('IntegrationFlow.testUrl', () => {
  let testUrls: Record<string, string>;

  beforeAll(async () => {
    const imported = await gql(h.app, IMPORT, { d: DEFINITION }, org.adminToken);
    const integration = imported.data.importIntegration.integration;
    testUrls = Object.fromEntries(integration.flows.nodes.map((f: { stableKey: string; testUrl: string }) => [f.stableKey, f.testUrl]));
    const webhookUrls = integration.systemInstance.flowConfigs.nodes.map((c: { webhookUrl: string; flow: { stableKey: string } }) => [
      c.flow.stableKey,
      c.webhookUrl,
    ]);
    expect(testUrls).toEqual(Object.fromEntries(webhookUrls));
  });

  it.each(['echo', 'nightly-echo'])("runs the draft flow %s and, with prismatic-synchronous, answers the run's result", async (flowStableKey) => {
    const marker = `order-${Date.now()}`;
    const response = await h.app.fetch(`http://127.0.0.1${new URL(testUrls[flowStableKey]!).pathname}`, {
      method: 'POST',
      body: JSON.stringify({ order: marker }),
      headers: { 'content-type': 'application/json', 'prismatic-synchronous': 'true' },
    });
    expect(response.status).toBe(200);
    const answered = await response.json();
    const run = await gql(h.app, EXECUTION, { id: response.headers.get('prismatic-executionid') }, org.adminToken);
    expect(run.data.executionResult.status).toBe('SUCCEEDED');
    expect(answered).toEqual(run.data.executionResult.result);
    expect(JSON.stringify(answered)).toContain(marker);
  });
});
