import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oauth2AuthorizationStates, oauth2Tokens } from '../../src/db/tables';
import { decodeGlobalId } from '../../src/lib/global-id';
import { startFakeOAuthServer, type FakeOAuthServer } from '../fakes/fake-oauth-server';
import { connectionId } from '../support/connections';
import { createConnectorAuth } from '../support/connector-auths';
import { createHarness, gql, type Harness } from '../support/harness';
import { allowRedirectOrigins, authorizeInBrowser, fakeProviderInputs, lateOAuth2Callback, START, startAuthorization } from '../support/oauth2';
import { seedOrg, type SeededOrg } from '../support/seed';

const VENDOR_UI = 'https://app.vendor.test';

let h: Harness;
let org: SeededOrg;
let oauth: FakeOAuthServer;
let closeCallback: () => Promise<void>;

beforeAll(async () => {
  const callback = lateOAuth2Callback();
  h = createHarness({ routes: [callback.route] });
  closeCallback = callback.attach(h);
  org = await seedOrg(h.database.db);
  oauth = await startFakeOAuthServer();
  await allowRedirectOrigins(h.app, org.adminToken, [VENDOR_UI]);
});
afterAll(async () => {
  await closeCallback();
  await oauth.close();
  await h.close();
});

async function newAuth(target = org) {
  return createConnectorAuth(h.app, target.adminToken, {
    connection: await connectionId(h.app, target.adminToken, 'http', 'oauth2-authorization-code'),
    name: 'Provider',
    inputs: fakeProviderInputs(oauth),
  });
}
const statesOf = async (orgId: string) => h.database.db.select().from(oauth2AuthorizationStates).where(eq(oauth2AuthorizationStates.orgId, orgId));
const tokensOf = async (authId: string) =>
  h.database.db
    .select()
    .from(oauth2Tokens)
    .where(eq(oauth2Tokens.holderId, decodeGlobalId(authId)!.id));

describe('startOAuth2Authorization and the callback refuse what they must', () => {
  it('refuses a redirectUri whose origin the organization did not allow, writing nothing', async () => {
    const authId = await newAuth();
    const before = (await statesOf(org.orgId)).length;
    const res = await gql(h.app, START, { input: { target: authId, redirectUri: 'https://evil.example/steal' } }, org.adminToken);
    expect(res.data.startOAuth2Authorization).toEqual({
      authorization: null,
      errors: [{ field: 'redirectUri', messages: ["Origin https://evil.example is not in the organization's allowedRedirectOrigins."] }],
    });
    expect((await statesOf(org.orgId)).length).toBe(before);
  });

  it('rejects allowed origins that are not bare origins', async () => {
    const res = await allowRedirectOrigins(h.app, org.adminToken, ['https://app.vendor.test/path']);
    expect(res.errors[0].field).toBe('allowedRedirectOrigins');
  });

  it('a replayed state is refused and stores nothing the second time', async () => {
    const authId = await newAuth();
    const { providerRedirect, callback } = await authorizeInBrowser(h.app, await startAuthorization(h.app, org.adminToken, authId, `${VENDOR_UI}/done`));
    expect(callback.headers.get('location')).toBe(`${VENDOR_UI}/done?oauth2=success`);
    const tokenRequests = oauth.tokenRequestCount;
    const replay = await h.app.fetch(`http://127.0.0.1${providerRedirect.pathname}${providerRedirect.search}`, { redirect: 'manual' });
    expect(replay.status).toBe(400);
    expect(await replay.text()).toContain('invalid_state');
    expect(oauth.tokenRequestCount).toBe(tokenRequests);
  });

  it('an expired state is refused with a code at the redirect', async () => {
    const authId = await newAuth();
    const url = await startAuthorization(h.app, org.adminToken, authId, `${VENDOR_UI}/done`);
    await h.database.db
      .update(oauth2AuthorizationStates)
      .set({ expiresAt: new Date(Date.now() - 1_000) })
      .where(eq(oauth2AuthorizationStates.orgId, org.orgId));
    const { callback } = await authorizeInBrowser(h.app, url);
    expect(callback.headers.get('location')).toBe(`${VENDOR_UI}/done?oauth2=error&error=expired_state`);
    expect(await tokensOf(authId)).toEqual([]);
  });

  it('access_denied at the provider reaches the redirect as a code, never a 500', async () => {
    const authId = await newAuth();
    oauth.denyNextAuthorization();
    const { callback } = await authorizeInBrowser(h.app, await startAuthorization(h.app, org.adminToken, authId, `${VENDOR_UI}/done`));
    expect(callback.status).toBe(303);
    expect(callback.headers.get('location')).toBe(`${VENDOR_UI}/done?oauth2=error&error=access_denied`);
    expect(await tokensOf(authId)).toEqual([]);
  });

  it("another organization's credential reads as not found and starts nothing", async () => {
    const other = await seedOrg(h.database.db);
    const foreign = await newAuth(other);
    const before = (await statesOf(org.orgId)).length;
    const res = await gql(h.app, START, { input: { target: foreign } }, org.adminToken);
    expect(res.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await statesOf(org.orgId)).length).toBe(before);
    expect(await statesOf(other.orgId)).toEqual([]);
  });

  it('a bad code reaches the redirect as invalid_grant and stores no tokens', async () => {
    const authId = await newAuth();
    const provider = await fetch(await startAuthorization(h.app, org.adminToken, authId, `${VENDOR_UI}/done`), { redirect: 'manual' });
    const back = new URL(provider.headers.get('location')!);
    back.searchParams.set('code', 'not-a-code-the-provider-issued');
    const callback = await h.app.fetch(`http://127.0.0.1${back.pathname}${back.search}`, { redirect: 'manual' });
    expect(callback.headers.get('location')).toBe(`${VENDOR_UI}/done?oauth2=error&error=invalid_grant`);
    expect(await tokensOf(authId)).toEqual([]);
  });
});
