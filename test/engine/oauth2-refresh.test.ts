import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oauth2Tokens } from '../../src/db/tables';
import { DEFAULT_CLIENT, type FakeOAuthServer } from '../fakes/fake-oauth-server';
import { gql, type Harness } from '../support/harness';
import { awaitEnd, postWebhook } from '../support/integrations';
import { authorizedConnectorAuth, deployWithFakeProvider } from '../support/oauth2';
import { type SeededOrg } from '../support/seed';
import { testEngineConfig } from '../support/worker';
import { startOAuth2Testbed, type OAuth2Testbed } from '../support/oauth2-testbed';

const DEFINITION = `
name: OAuth refresh
stableKey: oauth-refresh
requiredConfigVars:
  - key: Provider
    dataType: connection
    connection: { component: http, key: oauth2-authorization-code }
flows:
  - name: Who am I
    stableKey: me
    trigger: { type: webhook, synchronous: true }
    steps:
      - name: Me
        action: { component: http, key: http-request }
        connection: Provider
        auth: "{{ trigger.body.authId }}"
        inputs:
          method: GET
          url: "{{ trigger.body.url }}"
`;

// Long enough that a loaded machine runs the next webhook within it; short enough to wait out.
const BACKOFF = { ...testEngineConfig.oauth2, backoffBaseMs: 1_500, backoffMaxMs: 10_000 };

let bed: OAuth2Testbed;
let h: Harness;
let org: SeededOrg;
let oauth: FakeOAuthServer;
let webhook: string;

beforeAll(async () => {
  bed = await startOAuth2Testbed({ worker: { oauth2: BACKOFF } });
  ({ h, org, oauth } = bed);
  webhook = (await deployWithFakeProvider(h, org, oauth, DEFINITION, 'Refresh')).webhooks.me!;
});
afterAll(async () => {
  await bed.close();
});

const authorizedAuth = (expiresInMs: number, accessToken?: string) => authorizedConnectorAuth(h, org, oauth, { expiresInMs, accessToken });

const row = async (holderId: string) => (await h.database.db.select().from(oauth2Tokens).where(eq(oauth2Tokens.holderId, holderId)))[0]!;
const refreshRequests = () => oauth.tokenRequests.filter((r) => r.grantType === 'refresh_token').length;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
async function updateSecret(authId: string, clientSecret: string) {
  const res = await gql(
    h.app,
    `mutation($input: UpdateConnectorAuthInput!) { updateConnectorAuth(input: $input) { errors { field messages } } }`,
    { input: { id: authId, inputs: [{ name: 'clientSecret', type: 'value', value: clientSecret }] } },
    org.adminToken,
  );
  expect(res.data.updateConnectorAuth.errors).toEqual([]);
}
const run = (authId: string) => postWebhook(h.app, webhook, { url: oauth.resourceUrl, authId });

describe('access tokens of authorization-code credentials', () => {
  it('a token expiring within 60 s is refreshed once before use; the rotated refresh token is stored', async () => {
    const auth = await authorizedAuth(30_000);
    const before = refreshRequests();
    const first = await run(auth.authId);
    expect(first.status).toBe(200);
    expect(refreshRequests()).toBe(before + 1);
    expect(oauth.refreshTokenState(auth.refreshToken)).toBe('rotated');
    const stored = await row(auth.holderId);
    expect(stored).toMatchObject({ authStatus: 'ACTIVE', lastRefreshError: null });
    expect(stored.expiresAt!.getTime()).toBeGreaterThan(Date.now() + 3_000_000);
    // The fresh token is used as is by the next run.
    expect((await run(auth.authId)).status).toBe(200);
    expect(refreshRequests()).toBe(before + 1);
  });

  it('a 401 for a token that looked valid forces one refresh and one retry, and the step succeeds', async () => {
    const auth = await authorizedAuth(3_600_000, 'revoked-at-the-provider-token');
    const before = refreshRequests();
    const response = await run(auth.authId);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ sub: 'user-1' });
    expect(refreshRequests()).toBe(before + 1);
  });

  it('invalid_grant marks the credential NEEDS_REAUTHENTICATION and stops all further token requests', async () => {
    const auth = await authorizedAuth(-1_000);
    oauth.revoke(auth.refreshToken);
    const failed = await awaitEnd(h.app, org.adminToken, (await run(auth.authId)).executionId!);
    expect(failed.status).toBe('FAILED');
    expect(failed.stepResults.nodes[0].error).toContain('NEEDS_REAUTHENTICATION');
    expect(await row(auth.holderId)).toMatchObject({ authStatus: 'NEEDS_REAUTHENTICATION', lastRefreshError: expect.stringContaining('invalid_grant') });
    const listed = await gql(
      h.app,
      `{ oauth2Credentials(authStatus: NEEDS_REAUTHENTICATION) { nodes { holder authStatus hasValue scopes lastRefreshError } } }`,
      {},
      org.adminToken,
    );
    expect(listed.data.oauth2Credentials.nodes).toContainEqual({
      holder: auth.authId,
      authStatus: 'NEEDS_REAUTHENTICATION',
      hasValue: true,
      scopes: ['read', 'write'],
      lastRefreshError: expect.stringContaining('invalid_grant'),
    });
    expect(JSON.stringify(listed)).not.toContain(auth.refreshToken);
    const requests = oauth.tokenRequestCount;
    expect((await awaitEnd(h.app, org.adminToken, (await run(auth.authId)).executionId!)).status).toBe('FAILED');
    expect(oauth.tokenRequestCount).toBe(requests);
  });

  it('a 500 from the token endpoint marks REFRESH_FAILING; no request until the backoff passes, then it recovers to ACTIVE', async () => {
    const auth = await authorizedAuth(-1_000);
    oauth.failNext(1, 'server_error');
    const failed = await awaitEnd(h.app, org.adminToken, (await run(auth.authId)).executionId!);
    expect(failed.status).toBe('FAILED');
    const failing = await row(auth.holderId);
    expect(failing).toMatchObject({ authStatus: 'REFRESH_FAILING', refreshFailures: 1, lastRefreshError: 'HTTP 500 from the token endpoint' });
    expect(failing.nextRefreshAt!.getTime() - failing.updatedAt.getTime()).toBeGreaterThanOrEqual(BACKOFF.backoffBaseMs - 5);

    const requests = refreshRequests();
    const backingOff = await awaitEnd(h.app, org.adminToken, (await run(auth.authId)).executionId!);
    expect(backingOff.status).toBe('FAILED');
    expect(backingOff.stepResults.nodes[0].error).toContain('next attempt after');
    expect(refreshRequests()).toBe(requests);

    await sleep(failing.nextRefreshAt!.getTime() - Date.now() + 20);
    expect((await run(auth.authId)).status).toBe(200);
    expect(refreshRequests()).toBe(requests + 1);
    expect(await row(auth.holderId)).toMatchObject({ authStatus: 'ACTIVE', refreshFailures: 0, lastRefreshError: null, nextRefreshAt: null });
  });

  it('a second 500 in a row doubles the backoff; a still-valid access token serves meanwhile', async () => {
    const auth = await authorizedAuth(30_000);
    oauth.failNext(2, 'server_error');
    // Within the skew: refresh fails, the step still succeeds with the live token.
    expect((await run(auth.authId)).status).toBe(200);
    const first = await row(auth.holderId);
    expect(first).toMatchObject({ authStatus: 'REFRESH_FAILING', refreshFailures: 1 });
    await sleep(first.nextRefreshAt!.getTime() - Date.now() + 20);
    expect((await run(auth.authId)).status).toBe(200);
    const second = await row(auth.holderId);
    expect(second).toMatchObject({ authStatus: 'REFRESH_FAILING', refreshFailures: 2 });
    const delay = second.nextRefreshAt!.getTime() - second.updatedAt.getTime();
    expect(delay).toBeGreaterThanOrEqual(2 * BACKOFF.backoffBaseMs - 5);
    expect(delay).toBeLessThanOrEqual(BACKOFF.backoffMaxMs + 5);
  });

  it('invalid_client marks MISCONFIGURED: no token request until the connection changes, then it refreshes', async () => {
    const auth = await authorizedAuth(-1_000);
    await updateSecret(auth.authId, 'not-the-client-secret');
    const failed = await awaitEnd(h.app, org.adminToken, (await run(auth.authId)).executionId!);
    expect(failed.status).toBe('FAILED');
    expect(await row(auth.holderId)).toMatchObject({ authStatus: 'MISCONFIGURED', lastRefreshError: expect.stringContaining('invalid_client') });

    const requests = oauth.tokenRequestCount;
    const again = await awaitEnd(h.app, org.adminToken, (await run(auth.authId)).executionId!);
    expect(again.stepResults.nodes[0].error).toContain('until its connection is fixed');
    expect(oauth.tokenRequestCount).toBe(requests);

    await updateSecret(auth.authId, DEFAULT_CLIENT.clientSecret);
    expect((await run(auth.authId)).status).toBe(200);
    expect(oauth.tokenRequestCount).toBe(requests + 1);
    expect(await row(auth.holderId)).toMatchObject({ authStatus: 'ACTIVE', failedClientFingerprint: null });
  });
});
