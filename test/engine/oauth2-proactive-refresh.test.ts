import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oauth2Tokens } from '../../src/db/tables';
import { startFakeOAuthServer, type FakeOAuthServer } from '../fakes/fake-oauth-server';
import { createHarness, type Harness } from '../support/harness';
import { authorizedConnectorAuth } from '../support/oauth2';
import { seedOrg, type SeededOrg } from '../support/seed';
import { startTestWorker, testEngineConfig } from '../support/worker';

const WINDOW_MS = 5 * 60_000;

let h: Harness;
let org: SeededOrg;
let oauth: FakeOAuthServer;
let worker: Awaited<ReturnType<typeof startTestWorker>> | null = null;

beforeAll(async () => {
  h = createHarness();
  org = await seedOrg(h.database.db);
  oauth = await startFakeOAuthServer();
});
afterAll(async () => {
  await worker?.stop();
  await oauth.close();
  await h.close();
});

const row = async (holderId: string) => (await h.database.db.select().from(oauth2Tokens).where(eq(oauth2Tokens.holderId, holderId)))[0]!;

describe("the worker's proactive refresh", () => {
  it('refreshes a token expiring within the window without any run, once; leaves fresh and re-authorization-needing ones alone', async () => {
    const expiring = await authorizedConnectorAuth(h, org, oauth, { expiresInMs: 2 * 60_000 });
    const fresh = await authorizedConnectorAuth(h, org, oauth, { expiresInMs: 60 * 60_000 });
    const revoked = await authorizedConnectorAuth(h, org, oauth, { expiresInMs: 2 * 60_000 });
    await h.database.db.update(oauth2Tokens).set({ authStatus: 'NEEDS_REAUTHENTICATION' }).where(eq(oauth2Tokens.holderId, revoked.holderId));

    worker = await startTestWorker({ oauth2: { ...testEngineConfig.oauth2, proactiveWindowMs: WINDOW_MS, proactiveIntervalMs: 100 } });
    for (let i = 0; i < 200 && oauth.refreshTokenState(expiring.refreshToken) === 'current'; i++) await new Promise((resolve) => setTimeout(resolve, 25));
    // A few more ticks: nothing is refreshed twice, nothing else is asked.
    await new Promise((resolve) => setTimeout(resolve, 400));

    expect(oauth.refreshTokenState(expiring.refreshToken)).toBe('rotated');
    const refreshed = await row(expiring.holderId);
    expect(refreshed).toMatchObject({ authStatus: 'ACTIVE', refreshClaimedUntil: null });
    expect(refreshed.expiresAt!.getTime()).toBeGreaterThan(Date.now() + WINDOW_MS);
    expect(oauth.refreshTokenState(fresh.refreshToken)).toBe('current');
    expect(oauth.refreshTokenState(revoked.refreshToken)).toBe('current');
    expect(oauth.tokenRequests.filter((r) => r.grantType === 'refresh_token')).toHaveLength(1);
    expect(oauth.resourceRequestCount).toBe(0);
  });
});
