import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOAuthServer, type FakeOAuthServer } from '../fakes/fake-oauth-server';
import { createHarness, type Harness } from '../support/harness';
import { awaitEnd, postWebhook } from '../support/integrations';
import { authorizedConnectorAuth, deployWithFakeProvider } from '../support/oauth2';
import { seedOrg, type SeededOrg } from '../support/seed';
import { spawnWorker } from '../support/worker';

const RUNS = 50;

const DEFINITION = `
name: Refresh race
stableKey: refresh-race
requiredConfigVars:
  - key: Provider
    dataType: connection
    connection: { component: http, key: oauth2-authorization-code }
flows:
  - name: Who am I
    stableKey: me
    trigger: { type: webhook }
    steps:
      - name: Me
        action: { component: http, key: http-request }
        connection: Provider
        auth: "{{ trigger.body.authId }}"
        inputs: { method: GET, url: "{{ trigger.body.url }}" }
`;

let h: Harness;
let org: SeededOrg;
let oauth: FakeOAuthServer;
let workers: Awaited<ReturnType<typeof spawnWorker>>[] = [];

beforeAll(async () => {
  h = createHarness();
  org = await seedOrg(h.database.db);
  // A slow token endpoint keeps the race window open while every run finds the token expired.
  oauth = await startFakeOAuthServer({ latencyMs: 300 });
  workers = await Promise.all([spawnWorker(), spawnWorker()]);
});
afterAll(async () => {
  await Promise.all(workers.map((w) => w.kill('SIGTERM')));
  await oauth.close();
  await h.close();
});

describe('refresh is single-flight per credential across processes', () => {
  it(`${RUNS} runs over 2 worker processes with a just-expired token: 1 refresh, all succeed, no refresh token reused`, async () => {
    const { authId, refreshToken } = await authorizedConnectorAuth(h, org, oauth, { expiresInMs: -1 });
    const instance = await deployWithFakeProvider(h, org, oauth, DEFINITION, 'Race');

    const started = await Promise.all(Array.from({ length: RUNS }, () => postWebhook(h.app, instance.webhooks.me!, { authId, url: oauth.resourceUrl })));
    const ended = await Promise.all(started.map((s) => awaitEnd(h.app, org.adminToken, s.executionId!)));

    expect(ended.map((e) => e.status)).toEqual(Array.from({ length: RUNS }, () => 'SUCCEEDED'));
    const refreshes = oauth.tokenRequests.filter((r) => r.grantType === 'refresh_token');
    expect(refreshes).toHaveLength(1);
    expect(refreshes[0]!.status).toBe(200);
    // The fake revokes the whole family when a spent refresh token comes back: it is still alive.
    expect(oauth.refreshTokenState(refreshToken)).toBe('rotated');
    expect(oauth.currentRefreshToken(refreshToken)).not.toBeNull();
    expect(oauth.resourceRequestCount).toBe(RUNS);
  }, 60_000);
});
