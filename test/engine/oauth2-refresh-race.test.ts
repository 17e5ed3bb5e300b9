import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeGrant } from '../../src/domain/oauth2/tokens';
import { decodeGlobalId, encodeGlobalId } from '../../src/lib/global-id';
import { startFakeOAuthServer, type FakeOAuthServer } from '../fakes/fake-oauth-server';
import { connectionId } from '../support/connections';
import { createConnectorAuth } from '../support/connector-auths';
import { createHarness, type Harness } from '../support/harness';
import { awaitEnd, deployInstance, importAndPublish, postWebhook } from '../support/integrations';
import { fakeProviderInputs } from '../support/oauth2';
import { seedCustomer, seedOrg, type SeededOrg } from '../support/seed';
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
    const authId = await createConnectorAuth(h.app, org.adminToken, {
      connection: await connectionId(h.app, org.adminToken, 'http', 'oauth2-authorization-code'),
      name: 'Shared provider',
      inputs: fakeProviderInputs(oauth),
    });
    const granted = oauth.issueTokens({ scope: 'read write' });
    await storeGrant(
      h.database.db,
      h.vault,
      { kind: 'CONNECTOR_AUTH', holderId: decodeGlobalId(authId)!.id, owner: { orgId: org.orgId, customerId: null } },
      { accessToken: granted.access_token, refreshToken: granted.refresh_token, expiresAt: new Date(Date.now() - 1), scopes: ['read', 'write'] },
    );
    const integration = await importAndPublish(h.app, org.adminToken, DEFINITION);
    const customer = encodeGlobalId('Customer', (await seedCustomer(h.database.db, org.admin)).id);
    const instance = await deployInstance(h.app, org.adminToken, { integration: integration.id, customer, name: 'Race' });

    const started = await Promise.all(Array.from({ length: RUNS }, () => postWebhook(h.app, instance.webhooks.me!, { authId, url: oauth.resourceUrl })));
    const ended = await Promise.all(started.map((s) => awaitEnd(h.app, org.adminToken, s.executionId!)));

    expect(ended.map((e) => e.status)).toEqual(Array.from({ length: RUNS }, () => 'SUCCEEDED'));
    const refreshes = oauth.tokenRequests.filter((r) => r.grantType === 'refresh_token');
    expect(refreshes).toHaveLength(1);
    expect(refreshes[0]!.status).toBe(200);
    // The fake revokes the whole family when a spent refresh token comes back: it is still alive.
    expect(oauth.refreshTokenState(granted.refresh_token)).toBe('rotated');
    expect(oauth.currentRefreshToken(granted.refresh_token)).not.toBeNull();
    expect(oauth.resourceRequestCount).toBe(RUNS);
  }, 60_000);
});
