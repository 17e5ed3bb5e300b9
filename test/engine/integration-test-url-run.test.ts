import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, gql, type Harness } from '../support/harness';
import { EXECUTION } from '../support/integrations';
import { seedOrg, type SeededOrg } from '../support/seed';
import { startTestWorker } from '../support/worker';

/* A call to IntegrationFlow.testUrl really runs the draft flow: with prismatic-synchronous it answers the run's result. */

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
`;

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
  it("runs the draft flow and, with prismatic-synchronous, answers the run's result", async () => {
    const imported = await gql(
      h.app,
      `mutation($d: String!) { importIntegration(input: { definition: $d }) { integration { flows { nodes { testUrl } } } } }`,
      { d: DEFINITION },
      org.adminToken,
    );
    const testUrl: string = imported.data.importIntegration.integration.flows.nodes[0].testUrl;
    const marker = `order-${Date.now()}`;
    const response = await h.app.fetch(`http://127.0.0.1${new URL(testUrl).pathname}`, {
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
