import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeApi, type FakeApi } from '../fakes/fake-api';
import { startFakeOAuthServer, type FakeOAuthServer } from '../fakes/fake-oauth-server';
import { createHarness, gql, type Harness } from '../support/harness';
import { awaitEnd, postWebhook } from '../support/integrations';
import { capturedLogLines } from '../support/log-capture';
import { authorizedConnectorAuth, deployWithFakeProvider } from '../support/oauth2';
import { seedOrg, type SeededOrg } from '../support/seed';
import { startTestWorker } from '../support/worker';

/*
 * Access and refresh tokens are vault values: an API that echoes the bearer token (in its answer or its
 * error) must not put it in anything a run stores or returns, nor in a log line or a credential's response.
 */

const DEFINITION = `
name: Token echo
stableKey: token-echo
requiredConfigVars:
  - key: Provider
    dataType: connection
    connection: { component: http, key: oauth2-authorization-code }
flows:
  - name: Echo
    stableKey: echo
    trigger: { type: webhook, synchronous: true }
    steps:
      - name: Echo ok
        action: { component: http, key: http-request }
        connection: Provider
        auth: "{{ trigger.body.authId }}"
        inputs: { method: GET, url: "{{ trigger.body.base }}/echo" }
      - name: Echo error
        action: { component: http, key: http-request }
        connection: Provider
        auth: "{{ trigger.body.authId }}"
        inputs: { method: GET, url: "{{ trigger.body.base }}/fail" }
`;

let h: Harness;
let org: SeededOrg;
let oauth: FakeOAuthServer;
let api: FakeApi;
let worker: Awaited<ReturnType<typeof startTestWorker>>;

beforeAll(async () => {
  h = createHarness();
  org = await seedOrg(h.database.db);
  oauth = await startFakeOAuthServer();
  api = await startFakeApi({ idempotency: false });
  const tokenOf = (headers: Record<string, string>) => (headers.authorization ?? '').replace(/^Bearer /, '');
  api.on('GET /echo', (request) => ({ json: { seen: request.headers.authorization, token: tokenOf(request.headers) } }));
  api.on('GET /fail', (request) => ({ status: 400, body: `bad token ${tokenOf(request.headers)}` }));
  worker = await startTestWorker();
});
afterAll(async () => {
  await worker.stop();
  await api.close();
  await oauth.close();
  await h.close();
});

describe('OAuth 2.0 tokens as canaries', () => {
  it('appear in no step result, execution, webhook answer, credential response or log line', async () => {
    // Expired: the run refreshes first, so the rotated refresh token and a new access token are in play too.
    const granted = await authorizedConnectorAuth(h, org, oauth, { expiresInMs: -1_000 });
    const authId = granted.authId;
    const instance = await deployWithFakeProvider(h, org, oauth, DEFINITION, 'Echo');

    const answer = await postWebhook(h.app, instance.webhooks.echo!, { authId, base: api.url });
    const execution = await awaitEnd(h.app, org.adminToken, answer.executionId!);
    expect(execution.stepResults.nodes.map((s: { status: string }) => s.status)).toEqual(['SUCCEEDED', 'FAILED']);
    const credential = await gql(
      h.app,
      `query($id: ID!) { connectorAuth(id: $id) { id inputs { nodes { name value hasValue } } } }`,
      { id: authId },
      org.adminToken,
    );

    const used = api.requests.map((r) => (r.headers.authorization ?? '').replace(/^Bearer /, '')).filter(Boolean);
    const rotated = oauth.currentRefreshToken(granted.refreshToken);
    expect(used.length).toBe(2);
    expect(used[0]).not.toBe(granted.accessToken);
    expect(rotated).toBeTruthy();
    const canaries = [...new Set([granted.accessToken, granted.refreshToken, rotated!, ...used])];
    const everything = [JSON.stringify(answer.body), JSON.stringify(execution), JSON.stringify(credential), ...capturedLogLines].join('\n');
    for (const canary of canaries) {
      expect(everything).not.toContain(canary);
      expect(everything).not.toContain(encodeURIComponent(canary));
    }
  });
});
