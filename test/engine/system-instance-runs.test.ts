import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CLIENT, startFakeOAuthServer, type FakeOAuthServer } from '../fakes/fake-oauth-server';
import { createHarness, gql, type Harness } from '../support/harness';
import { awaitEnd, postWebhook } from '../support/integrations';
import { seedOrg, type SeededOrg } from '../support/seed';
import { startTestWorker } from '../support/worker';

/*
 * Designer test runs take the test (system) instance's values: what updateIntegration(testConfigVariables)
 * set is what testIntegrationFlow, the test instance's webhook URLs and runFlow on it use.
 */

const DEFINITION = `
name: Test instance runs
requiredConfigVars:
  - key: Partner API
    dataType: connection
    connection: { component: http, key: oauth2-client-credentials }
  - key: Resource
    dataType: string
flows:
  - name: Fetch me
    stableKey: fetch-me
    trigger: { type: webhook, synchronous: true }
    steps:
      - name: Who am I
        action: { component: http, key: http-request }
        connection: Partner API
        inputs:
          method: GET
          url: "{{ configVars.Resource }}"
`;

const IMPORT = `mutation($d: String!) { importIntegration(input: { definition: $d }) {
  integration { id flows { nodes { id } } systemInstance { id flowConfigs { nodes { webhookUrl flow { stableKey } } } } }
  errors { field messages } } }`;
const SET_TEST_VALUES = `mutation($id: ID!, $values: [InputInstanceConfigVariable]) {
  updateIntegration(input: { id: $id, testConfigVariables: $values }) { integration { id } errors { field messages } } }`;

let h: Harness;
let org: SeededOrg;
let oauth: FakeOAuthServer;
let worker: Awaited<ReturnType<typeof startTestWorker>>;

beforeAll(async () => {
  h = createHarness();
  org = await seedOrg(h.database.db);
  oauth = await startFakeOAuthServer({ accessTokenTtlSeconds: 3600 });
  worker = await startTestWorker();
});
afterAll(async () => {
  await worker.stop();
  await oauth.close();
  await h.close();
});

async function importWithTestValues() {
  const imported = await gql(h.app, IMPORT, { d: DEFINITION }, org.adminToken);
  const integration = imported.data.importIntegration.integration;
  const values = JSON.stringify([
    { name: 'tokenUrl', type: 'value', value: oauth.tokenUrl },
    { name: 'clientId', type: 'value', value: DEFAULT_CLIENT.clientId },
    { name: 'clientSecret', type: 'value', value: DEFAULT_CLIENT.clientSecret },
  ]);
  const set = await gql(
    h.app,
    SET_TEST_VALUES,
    {
      id: integration.id,
      values: [
        { key: 'Partner API', values },
        { key: 'Resource', value: oauth.resourceUrl },
      ],
    },
    org.adminToken,
  );
  expect(set.data.updateIntegration.errors).toEqual([]);
  return integration;
}

describe('test runs of an integration', () => {
  it("use the test instance's connection and values, through its webhook URL and testIntegrationFlow alike", async () => {
    const integration = await importWithTestValues();
    const webhookUrl: string = integration.systemInstance.flowConfigs.nodes[0].webhookUrl;

    const called = await postWebhook(h.app, webhookUrl, {}, { 'prismatic-synchronous': 'true' });
    expect(called.status).toBe(200);
    expect(called.body).toMatchObject({ client_id: DEFAULT_CLIENT.clientId });
    const viaUrl = await awaitEnd(h.app, org.adminToken, called.executionId!);
    expect(viaUrl.stepResults.nodes[0]).toMatchObject({ credentialSource: 'TEST_CREDENTIAL', credentialRule: 4 });
    expect(JSON.stringify(viaUrl)).not.toContain(DEFAULT_CLIENT.clientSecret);

    const tested = await gql(
      h.app,
      `mutation($id: ID!) { testIntegrationFlow(input: { id: $id }) { testIntegrationFlowResult { execution { id } } errors { field messages } } }`,
      { id: integration.flows.nodes[0].id },
      org.adminToken,
    );
    const viaMutation = await awaitEnd(h.app, org.adminToken, tested.data.testIntegrationFlow.testIntegrationFlowResult.execution.id);
    expect(viaMutation.status).toBe('SUCCEEDED');
    expect(viaMutation.stepResults.nodes[0]).toMatchObject({ credentialSource: 'TEST_CREDENTIAL', credentialRule: 4 });

    // Both are the test instance's runs, and test runs.
    const runs = await gql(
      h.app,
      `query($instance: ID!) { executionResults(instance: $instance) { nodes { id isTestExecution instance { id isSystem } } } }`,
      { instance: integration.systemInstance.id },
      org.adminToken,
    );
    const nodes = runs.data.executionResults.nodes;
    expect(nodes.map((n: { id: string }) => n.id).sort()).toEqual([viaUrl.id, viaMutation.id].sort());
    for (const node of nodes) expect(node).toMatchObject({ isTestExecution: true, instance: { id: integration.systemInstance.id, isSystem: true } });
  });

  it('fail naming what the test instance lacks when its connection has no values', async () => {
    const imported = await gql(h.app, IMPORT, { d: DEFINITION }, org.adminToken);
    const integration = imported.data.importIntegration.integration;
    const called = await postWebhook(h.app, integration.systemInstance.flowConfigs.nodes[0].webhookUrl, {}, { 'prismatic-synchronous': 'true' });
    const run = await awaitEnd(h.app, org.adminToken, called.executionId!);
    expect(run.status).toBe('FAILED');
    expect(run.stepResults.nodes[0].credentialReason).toContain('Partner API');
    expect(oauth.tokenRequests.every((request) => request.status === 200)).toBe(true);
  });

  it('start from runFlow on the test instance, for the caller', async () => {
    const integration = await importWithTestValues();
    const ran = await gql(
      h.app,
      `mutation($id: ID!) { runFlow(input: { instance: $id, flow: "fetch-me" }) { execution { id isTestExecution } errors { field messages } } }`,
      { id: integration.systemInstance.id },
      org.adminToken,
    );
    expect(ran.data?.runFlow?.errors ?? ran.errors).toEqual([]);
    expect(ran.data.runFlow.execution.isTestExecution).toBe(true);
    const run = await awaitEnd(h.app, org.adminToken, ran.data.runFlow.execution.id);
    expect(run.status).toBe('SUCCEEDED');
    expect(JSON.stringify(run.result)).toContain(DEFAULT_CLIENT.clientId);
  });
});
