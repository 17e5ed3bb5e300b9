import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oauth2Tokens } from '../../src/db/tables';
import { openTokens } from '../../src/domain/oauth2/tokens';
import { startFakeApi, type FakeApi } from '../fakes/fake-api';
import { startFakeOAuthServer, type FakeOAuthServer } from '../fakes/fake-oauth-server';
import { createHarness, type Harness } from '../support/harness';
import { awaitEnd, postWebhook } from '../support/integrations';
import { authorizedConnectorAuth, deployWithFakeProvider } from '../support/oauth2';
import { seedOrg, type SeededOrg } from '../support/seed';
import { spawnWorker, startTestWorker } from '../support/worker';

const DEFINITION = `
name: Refresh crash
stableKey: refresh-crash
requiredConfigVars:
  - key: Provider
    dataType: connection
    connection: { component: http, key: oauth2-authorization-code }
flows:
  - name: Call
    stableKey: call
    trigger: { type: webhook }
    steps:
      - name: Call
        action: { component: http, key: http-request }
        connection: Provider
        auth: "{{ trigger.body.authId }}"
        inputs: { method: GET, url: "{{ trigger.body.url }}" }
`;

let h: Harness;
let org: SeededOrg;
let oauth: FakeOAuthServer;
let api: FakeApi;
const workers: Awaited<ReturnType<typeof spawnWorker>>[] = [];
let survivor: Awaited<ReturnType<typeof startTestWorker>> | null = null;
let holdRequests = true;

beforeAll(async () => {
  h = createHarness();
  org = await seedOrg(h.database.db);
  oauth = await startFakeOAuthServer();
  // No idempotent replay: the killed worker's request is still held when the next worker sends it again.
  api = await startFakeApi({ idempotency: false });
  api.on('GET /data', () => (holdRequests ? { status: 200, json: { late: true }, delayMs: 10_000 } : { status: 200, json: { ok: true } }));
});
afterAll(async () => {
  await Promise.all(workers.filter((w) => w.running()).map((w) => w.kill('SIGTERM')));
  await survivor?.stop();
  await api.close();
  await oauth.close();
  await h.close();
});

const waitFor = async (what: string, done: () => boolean | Promise<boolean>) => {
  for (let i = 0; i < 1_000; i++) {
    if (await done()) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`timed out waiting for ${what}`);
};

describe('a worker killed right after a refresh answered', () => {
  it('leaves a credential that works: the next process uses the stored rotated grant and never sends the old refresh token again', async () => {
    const auth = await authorizedConnectorAuth(h, org, oauth, { expiresInMs: -1 });
    const webhook = (await deployWithFakeProvider(h, org, oauth, DEFINITION, 'Crash')).webhooks.call!;

    const doomed = await spawnWorker();
    workers.push(doomed);
    const started = await postWebhook(h.app, webhook, { authId: auth.authId, url: `${api.url}/data` });
    // The earliest moment the new access token leaves the worker: the token endpoint has answered and
    // the step is sending. The worker dies there, before its step ends.
    await waitFor('the step to send the refreshed token', () => api.requestsTo('GET /data').length > 0);
    await doomed.kill('SIGKILL');

    const refreshes = oauth.tokenRequests.filter((r) => r.grantType === 'refresh_token');
    expect(refreshes.map((r) => r.status)).toEqual([200]);
    const usedByDoomed = api.requestsTo('GET /data')[0]!.headers.authorization;
    expect(usedByDoomed).not.toBe(`Bearer ${auth.accessToken}`);
    // What the dead worker sent is what is stored (committed before it was used), with the rotated refresh token.
    const [row] = await h.database.db.select().from(oauth2Tokens).where(eq(oauth2Tokens.holderId, auth.holderId));
    const stored = await openTokens(h.database.db, h.vault, row!);
    expect(`Bearer ${stored.accessToken}`).toBe(usedByDoomed);
    expect(stored.refreshToken).toBe(oauth.currentRefreshToken(auth.refreshToken));

    holdRequests = false;
    // The second process: this test's own.
    survivor = await startTestWorker();
    // The killed run is taken over once its lease lapses; a new run uses the same credential.
    const resumed = await awaitEnd(h.app, org.adminToken, started.executionId!);
    expect(resumed.status).toBe('SUCCEEDED');
    const another = await postWebhook(h.app, webhook, { authId: auth.authId, url: oauth.resourceUrl });
    const next = await awaitEnd(h.app, org.adminToken, another.executionId!);
    expect(next.status).toBe('SUCCEEDED');
    expect(next.stepResults.nodes[0].output).toMatchObject({ sub: 'user-1' });

    expect(api.requestsTo('GET /data').map((r) => r.headers.authorization)).toEqual([usedByDoomed, usedByDoomed]);
    // One refresh in all; the old refresh token was spent once, so its family is alive.
    expect(oauth.tokenRequests.filter((r) => r.grantType === 'refresh_token')).toHaveLength(1);
    expect(oauth.refreshTokenState(auth.refreshToken)).toBe('rotated');
    expect(oauth.currentRefreshToken(auth.refreshToken)).not.toBeNull();
  }, 30_000);
});
