import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { integrationFlowTestTokens } from '../../src/db/tables';
import { flowConfigKeyOwner, hashWebhookToken, newWebhookToken } from '../../src/domain/instances/webhook-tokens';
import { decodeGlobalId } from '../../src/lib/global-id';
import { createHarness, gql, type Harness } from '../support/harness';
import { hookDefinition, importAndPublish } from '../support/integrations';
import { seedOrg, type SeededOrg } from '../support/seed';

let h: Harness;
let org: SeededOrg;
let other: SeededOrg;
let integrationId: string;
/** The flow's test URL as handed out before testUrl became the test instance's webhook URL. */
let earlierPath: string;

const IMPORT = `mutation($d: String!) { importIntegration(input: { definition: $d }) { integration { id } errors { field messages } } }`;
const TEST_URLS = `query($id: ID!) { integration(id: $id) {
  flows { nodes { id stableKey testUrl } }
  systemInstance { flowConfigs { nodes { webhookUrl flow { stableKey } } } } } }`;
const FLOW = `query($id: ID!) { node(id: $id) { ... on IntegrationFlow { stableKey testUrl } } }`;
const RUN = `query($id: ID!) { executionResult(id: $id) { invokeType isTestExecution flow { stableKey } } }`;

const SCHEDULED = `
name: Nightly export
stableKey: ${randomUUID()}
flows:
  - name: Hook
    stableKey: hook
    trigger: { type: webhook }
    steps:
      - { name: Keep, type: set-variables, variables: { seen: "yes" } }
  - name: Nightly
    stableKey: nightly
    trigger: { type: schedule, cron: "0 3 * * *" }
    steps:
      - { name: Keep, type: set-variables, variables: { seen: "yes" } }
`;

beforeAll(async () => {
  h = createHarness();
  org = await seedOrg(h.database.db);
  other = await seedOrg(h.database.db);
  integrationId = (await gql(h.app, IMPORT, { d: hookDefinition({ name: 'Testable' }) }, org.adminToken)).data.importIntegration.integration.id;
  earlierPath = await earlierTestUrlPath(org.orgId, integrationId, 'hook');
});
afterAll(() => h.close());

const read = (token: string, id = integrationId) => gql(h.app, TEST_URLS, { id }, token);
const testUrl = async (token: string) => (await read(token)).data?.integration?.flows.nodes[0]?.testUrl as string | null | undefined;
const post = (path: string, init: RequestInit = { method: 'POST', body: '{"order": 7}', headers: { 'content-type': 'application/json' } }) =>
  h.app.fetch(`http://127.0.0.1${path}`, init);
const count = async (table: string, orgId: string) =>
  (await h.database.db.execute(sql`select count(*)::int as n from ${sql.identifier(table)} where org_id = ${orgId}`)).rows[0]!.n as number;

/** Writes the row of an earlier-issued test URL as it was written then (token hashed and sealed); returns its path. */
async function earlierTestUrlPath(orgId: string, integrationGlobalId: string, flowStableKey: string) {
  const id = randomUUID();
  const token = newWebhookToken();
  const tokenSealed = await h.vault.seal(h.database.db, flowConfigKeyOwner(orgId), { record: id, field: 'testUrlToken' }, token);
  const integration = decodeGlobalId(integrationGlobalId)!.id;
  await h.database.db
    .insert(integrationFlowTestTokens)
    .values({ id, orgId, integrationId: integration, flowStableKey, tokenHash: hashWebhookToken(token), tokenSealed });
  return `/test-webhooks/${token}`;
}

async function expectTestRun(response: Response, flowStableKey: string) {
  expect(response.status).toBe(202);
  const executionId = response.headers.get('prismatic-executionid');
  expect(await response.json()).toEqual({ executionId });
  const run = await gql(h.app, RUN, { id: executionId }, org.adminToken);
  expect(run.data.executionResult).toEqual({ invokeType: 'INTEGRATION_FLOW_TEST', isTestExecution: true, flow: { stableKey: flowStableKey } });
}

describe('IntegrationFlow.testUrl', () => {
  it("is the test (system) instance's webhook URL of the flow and starts a test run of the draft over HTTP", async () => {
    const integration = (await read(org.adminToken)).data.integration;
    const url = integration.flows.nodes[0].testUrl;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1(:\d+)?\/webhooks\/[A-Za-z0-9_-]{43}$/);
    expect(integration.systemInstance.flowConfigs.nodes).toEqual([{ webhookUrl: url, flow: { stableKey: 'hook' } }]);
    const byNode = await gql(h.app, FLOW, { id: integration.flows.nodes[0].id }, org.adminToken);
    expect(byNode.data.node).toEqual({ stableKey: 'hook', testUrl: url });

    await expectTestRun(await post(new URL(url).pathname), 'hook');
  });

  it('writes nothing when read, the first time or again and again', async () => {
    const id = (await gql(h.app, IMPORT, { d: hookDefinition({ name: 'Never read' }) }, org.adminToken)).data.importIntegration.integration.id;
    const rows = async () => ({ tokens: await count('integration_flow_test_tokens', org.orgId), configs: await count('instance_flow_configs', org.orgId) });
    const before = await rows();
    const urls = new Set<string>();
    for (let i = 0; i < 5; i++) urls.add((await read(org.adminToken, id)).data.integration.flows.nodes[0].testUrl);
    expect(urls.size).toBe(1);
    expect(await rows()).toEqual(before);
  });

  it('starts a test run of a schedule-triggered flow too, answering 202 with the execution id like any other call', async () => {
    const id = (await gql(h.app, IMPORT, { d: SCHEDULED }, org.adminToken)).data.importIntegration.integration.id;
    const flows: { stableKey: string; testUrl: string }[] = (await read(org.adminToken, id)).data.integration.flows.nodes;
    const nightly = flows.find((flow) => flow.stableKey === 'nightly')!;
    expect(nightly.testUrl).toMatch(/\/webhooks\/[A-Za-z0-9_-]{43}$/);
    expect(new Set(flows.map((flow) => flow.testUrl)).size).toBe(2);
    await expectTestRun(await post(new URL(nightly.testUrl).pathname), 'nightly');
  });

  it('is null for a flow the draft dropped, which only a published version still has', async () => {
    const stableKey = randomUUID();
    const published = await importAndPublish(h.app, org.adminToken, hookDefinition({ name: 'Dropping', stableKey }));
    const without = SCHEDULED.replace(/stableKey: [0-9a-f-]{36}/, `stableKey: ${stableKey}`).replace(/ {2}- name: Hook[\s\S]*?(?= {2}- name: Nightly)/, '');
    expect((await gql(h.app, IMPORT, { d: without }, org.adminToken)).data.importIntegration.errors).toEqual([]);
    const dropped = await gql(h.app, FLOW, { id: published.flowIds.hook }, org.adminToken);
    expect(dropped.data.node).toEqual({ stableKey: 'hook', testUrl: null });
  });

  it('keeps a test URL handed out earlier (/test-webhooks/<token>) starting test runs of its flow', async () => {
    await expectTestRun(await post(earlierPath), 'hook');
    expect(await testUrl(org.adminToken)).not.toContain('/test-webhooks/');
  });

  it('answers 404 for an unknown token and 405 for other methods, starting nothing', async () => {
    expect((await post(`/test-webhooks/${'x'.repeat(43)}`)).status).toBe(404);
    expect((await post(`/webhooks/${'x'.repeat(43)}`)).status).toBe(404);
    for (const path of [new URL((await testUrl(org.adminToken))!).pathname, earlierPath]) {
      expect((await post(path, { method: 'GET' })).status).toBe(405);
    }
  });

  it('refuses an oversized body, declared or streamed, with 413 and starts no run', async () => {
    const runs = async () =>
      (await h.database.db.execute(sql`select count(*)::int as n from executions where integration_id = ${decodeGlobalId(integrationId)!.id}`)).rows[0];
    const before = await runs();
    for (const path of [new URL((await testUrl(org.adminToken))!).pathname, earlierPath]) {
      const declared = await post(path, { method: 'POST', body: 'x'.repeat(20_000_000), headers: { 'content-type': 'text/plain' } });
      expect(declared.status).toBe(413);
      let sent = 0;
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          sent += 65_536;
          if (sent > 40_000_000) controller.close();
          else controller.enqueue(new Uint8Array(65_536).fill(120));
        },
      });
      const streamed = await post(path, { method: 'POST', body: stream, duplex: 'half' } as RequestInit);
      expect(streamed.status).toBe(413);
      expect(sent).toBeLessThan(40_000_000);
    }
    expect(await runs()).toEqual(before);
  });

  it("is null for members, and another organization's admin cannot see the flow at all", async () => {
    expect(await testUrl(org.memberToken)).toBeNull();
    const flowId = (await read(org.adminToken)).data.integration.flows.nodes[0].id;
    const byOther = await read(other.adminToken);
    expect(byOther.data?.integration ?? null).toBeNull();
    const nodeByOther = await gql(h.app, FLOW, { id: flowId }, other.adminToken);
    expect(nodeByOther.data?.node ?? null).toBeNull();
    expect(JSON.stringify([byOther, nodeByOther])).not.toContain('webhooks');
  });
});
