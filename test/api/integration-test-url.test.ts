import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeGlobalId } from '../../src/lib/global-id';
import { createHarness, gql, type Harness } from '../support/harness';
import { hookDefinition } from '../support/integrations';
import { seedOrg, type SeededOrg } from '../support/seed';

let h: Harness;
let org: SeededOrg;
let other: SeededOrg;
let integrationId: string;

const IMPORT = `mutation($d: String!) { importIntegration(input: { definition: $d }) { integration { id } errors { field messages } } }`;
const TEST_URLS = `query($id: ID!) { integration(id: $id) { flows { nodes { stableKey testUrl } } } }`;
const RUN = `query($id: ID!) { executionResult(id: $id) { invokeType isTestExecution flow { stableKey } } }`;

beforeAll(async () => {
  h = createHarness();
  org = await seedOrg(h.database.db);
  other = await seedOrg(h.database.db);
  integrationId = (await gql(h.app, IMPORT, { d: hookDefinition({ name: 'Testable' }) }, org.adminToken)).data.importIntegration.integration.id;
});
afterAll(() => h.close());

const testUrl = async (token: string) =>
  (await gql(h.app, TEST_URLS, { id: integrationId }, token)).data?.integration?.flows.nodes[0]?.testUrl as string | null | undefined;
const post = (path: string, init: RequestInit = { method: 'POST', body: '{"order": 7}', headers: { 'content-type': 'application/json' } }) =>
  h.app.fetch(`http://127.0.0.1${path}`, init);

describe('IntegrationFlow.testUrl', () => {
  it('starts a test run of the draft flow over HTTP and stays the same on every read; the token is stored only hashed and sealed', async () => {
    const url = await testUrl(org.adminToken);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1(:\d+)?\/test-webhooks\/[A-Za-z0-9_-]{43}$/);
    expect(await testUrl(org.adminToken)).toBe(url);
    const path = new URL(url!).pathname;

    const response = await post(path);
    expect(response.status).toBe(202);
    const executionId = response.headers.get('prismatic-executionid');
    expect(await response.json()).toEqual({ executionId });
    const run = await gql(h.app, RUN, { id: executionId }, org.adminToken);
    expect(run.data.executionResult).toEqual({ invokeType: 'INTEGRATION_FLOW_TEST', isTestExecution: true, flow: { stableKey: 'hook' } });

    const token = path.split('/').pop()!;
    const stored = await h.database.db.execute(
      sql`select count(*)::int as n from integration_flow_test_tokens where row_to_json(integration_flow_test_tokens)::text like ${'%' + token + '%'}`,
    );
    expect(stored.rows[0]).toEqual({ n: 0 });
    const rows = await h.database.db.execute(
      sql`select count(*)::int as n from integration_flow_test_tokens where integration_id = ${decodeGlobalId(integrationId)!.id}`,
    );
    expect(rows.rows[0]).toEqual({ n: 1 });
  });

  it('answers 404 for an unknown token and 405 for other methods, starting nothing', async () => {
    expect((await post(`/test-webhooks/${'x'.repeat(43)}`)).status).toBe(404);
    const path = new URL((await testUrl(org.adminToken))!).pathname;
    expect((await post(path, { method: 'GET' })).status).toBe(405);
  });

  it('refuses an oversized body, declared or streamed, with 413 and starts no run', async () => {
    const path = new URL((await testUrl(org.adminToken))!).pathname;
    const runs = async () =>
      (await h.database.db.execute(sql`select count(*)::int as n from executions where integration_id = ${decodeGlobalId(integrationId)!.id}`)).rows[0];
    const before = await runs();
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
    expect(await runs()).toEqual(before);
  });

  it('is null for members and hidden from other organizations', async () => {
    expect(await testUrl(org.memberToken)).toBeNull();
    const byOther = await gql(h.app, TEST_URLS, { id: integrationId }, other.adminToken);
    expect(byOther.data?.integration ?? null).toBeNull();
    expect(JSON.stringify(byOther)).not.toContain('test-webhooks');
  });
});
