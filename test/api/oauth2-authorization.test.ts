import { randomBytes } from 'node:crypto';
import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oauth2ConsumedStates, oauth2Tokens, userAuthentications } from '../../src/db/tables';
import { AUTHORIZATION_STATE_TTL_MS, sealState, type AuthorizationState } from '../../src/domain/oauth2/authorization-state';
import { decodeGlobalId } from '../../src/lib/global-id';
import { masterKeyFrom } from '../../src/vault/master-key';
import { Vault } from '../../src/vault/vault';
import { startFakeOAuthServer, type FakeOAuthServer } from '../fakes/fake-oauth-server';
import { connectionId } from '../support/connections';
import { createConnectorAuth } from '../support/connector-auths';
import { createHarness, gql, type Harness } from '../support/harness';
import {
  allowRedirectOrigins,
  authorizeInBrowser,
  deployWithFakeProvider,
  fakeProviderInputs,
  lateOAuth2Callback,
  oauth2CallbackWithClock,
  START,
  startAuthorization,
} from '../support/oauth2';
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
const rowCount = async (table: typeof oauth2ConsumedStates | typeof oauth2Tokens | typeof userAuthentications, orgId: string) =>
  (await h.database.db.select({ n: count() }).from(table).where(eq(table.orgId, orgId)))[0]!.n;
/** What an authorization may write: the used states, the tokens, the users' authentications. */
const writtenRows = async (orgId: string) => ({
  consumed: await rowCount(oauth2ConsumedStates, orgId),
  tokens: await rowCount(oauth2Tokens, orgId),
  userAuthentications: await rowCount(userAuthentications, orgId),
});
const tokensOf = async (authId: string) =>
  h.database.db
    .select()
    .from(oauth2Tokens)
    .where(eq(oauth2Tokens.holderId, decodeGlobalId(authId)!.id));

describe('startOAuth2Authorization and the callback refuse what they must', () => {
  it('refuses a redirectUri whose origin the organization did not allow, writing nothing', async () => {
    const authId = await newAuth();
    const before = await writtenRows(org.orgId);
    const res = await gql(h.app, START, { input: { target: authId, redirectUri: 'https://evil.example/steal' } }, org.adminToken);
    expect(res.data.startOAuth2Authorization).toEqual({
      authorization: null,
      errors: [{ field: 'redirectUri', messages: ["Origin https://evil.example is not in the organization's allowedRedirectOrigins."] }],
    });
    expect(await writtenRows(org.orgId)).toEqual(before);
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

  it('an expired state is refused with a code at the redirect, and stores nothing', async () => {
    const authId = await newAuth();
    const url = await startAuthorization(h.app, org.adminToken, authId, `${VENDOR_UI}/done`);
    const provider = await fetch(url, { redirect: 'manual' });
    const later = oauth2CallbackWithClock(h, () => Date.now() + AUTHORIZATION_STATE_TTL_MS + 1_000);
    const before = await writtenRows(org.orgId);
    const tokenRequests = oauth.tokenRequestCount;
    const callback = await later.follow(new URL(provider.headers.get('location')!));
    await later.close();
    expect(callback.headers.get('location')).toBe(`${VENDOR_UI}/done?oauth2=error&error=expired_state`);
    expect(oauth.tokenRequestCount).toBe(tokenRequests);
    expect(await writtenRows(org.orgId)).toEqual(before);
  });

  it('a state altered in one character is refused like a forged one: the refusal page, no token request, nothing stored', async () => {
    const authId = await newAuth();
    const provider = await fetch(await startAuthorization(h.app, org.adminToken, authId, `${VENDOR_UI}/done`), { redirect: 'manual' });
    const back = new URL(provider.headers.get('location')!);
    const state = back.searchParams.get('state')!;
    const middle = Math.floor(state.length / 2);
    back.searchParams.set('state', `${state.slice(0, middle)}${state[middle] === 'A' ? 'B' : 'A'}${state.slice(middle + 1)}`);
    const before = await writtenRows(org.orgId);
    const tokenRequests = oauth.tokenRequestCount;
    const callback = await h.app.fetch(`http://127.0.0.1${back.pathname}${back.search}`, { redirect: 'manual' });
    expect(callback.status).toBe(400);
    expect(await callback.text()).toContain('invalid_state');
    expect(oauth.tokenRequestCount).toBe(tokenRequests);
    expect(await writtenRows(org.orgId)).toEqual(before);
    expect(await tokensOf(authId)).toEqual([]);
  });

  it("a state sealed with any key but the server's is refused, however well it names the holder", async () => {
    const authId = await newAuth();
    const forger = new Vault(masterKeyFrom(randomBytes(32).toString('base64')));
    const state = sealState(forger, stateFor(org, { kind: 'CONNECTOR_AUTH', holderId: decodeGlobalId(authId)!.id }));
    const callback = await h.app.fetch(`http://127.0.0.1/oauth2/callback?code=anything&state=${state}`, { redirect: 'manual' });
    expect(callback.status).toBe(400);
    expect(await callback.text()).toContain('invalid_state');
    expect(await tokensOf(authId)).toEqual([]);
  });

  it("a state cannot complete into another organization's holder: its user's organization must see the holder", async () => {
    const other = await seedOrg(h.database.db);
    const authId = await newAuth();
    // Even sealed by the server itself, a state naming another organization's user is refused for this holder.
    const state = sealState(h.vault, stateFor(other, { kind: 'CONNECTOR_AUTH', holderId: decodeGlobalId(authId)!.id }));
    const tokenRequests = oauth.tokenRequestCount;
    const callback = await h.app.fetch(`http://127.0.0.1/oauth2/callback?code=anything&state=${state}`, { redirect: 'manual' });
    expect(callback.headers.get('location')).toBe(`${VENDOR_UI}/done?oauth2=error&error=invalid_state`);
    expect(oauth.tokenRequestCount).toBe(tokenRequests);
    expect(await tokensOf(authId)).toEqual([]);
    expect(await writtenRows(other.orgId)).toEqual({ consumed: 1, tokens: 0, userAuthentications: 0 });
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
    const res = await gql(h.app, START, { input: { target: foreign } }, org.adminToken);
    expect(res.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
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

const stateFor = (owner: SeededOrg, holder: AuthorizationState['holder']): AuthorizationState => ({
  orgId: owner.orgId,
  userId: owner.admin.userId,
  holder,
  redirectUri: `${VENDOR_UI}/done`,
  callbackUri: 'http://127.0.0.1/oauth2/callback',
  codeVerifier: randomBytes(32).toString('base64url'),
  expiresAt: Date.now() + AUTHORIZATION_STATE_TTL_MS,
});

const INLINE_PROVIDER = (stableKey: string) => `
name: ${stableKey}
stableKey: ${stableKey}
requiredConfigVars:
  - key: Provider
    dataType: connection
    connection: { component: http, key: oauth2-authorization-code }
flows:
  - name: Hook
    stableKey: hook
    trigger: { type: webhook }
    steps:
      - { name: Call, action: { component: http, key: http-request }, connection: Provider, inputs: { url: "https://api.example.invalid/" } }
`;

const AUTHORIZE_URLS = `query($id: ID!) { instance(id: $id) { configVariables { nodes { key authorizeUrl } } } }`;

describe('authorizeUrl read in a query', () => {
  it('writes nothing however often it is read, and a URL read that way completes the authorization through the provider', async () => {
    const instance = await deployWithFakeProvider(h, org, oauth, INLINE_PROVIDER(`reads-${Date.now()}`), 'Reads');
    const before = await writtenRows(org.orgId);
    const urls: string[] = [];
    for (let read = 0; read < 5; read++) {
      const res = await gql(h.app, AUTHORIZE_URLS, { id: instance.id }, org.adminToken);
      urls.push(res.data.instance.configVariables.nodes.find((node: { key: string }) => node.key === 'Provider').authorizeUrl);
    }
    expect(await writtenRows(org.orgId)).toEqual(before);
    expect(new Set(urls.map((url) => new URL(url).searchParams.get('state'))).size).toBe(5);

    const { callback } = await authorizeInBrowser(h.app, urls[2]!);
    expect(callback.status).toBe(200);
    expect(await callback.text()).toContain('The connection is authorized.');
    const holderId = `${decodeGlobalId(instance.id)!.id}/Provider`;
    const [stored] = await h.database.db.select().from(oauth2Tokens).where(eq(oauth2Tokens.holderId, holderId));
    expect(stored).toMatchObject({ orgId: org.orgId, holderKind: 'INSTANCE_CONFIG_VARIABLE', authStatus: 'ACTIVE' });
    expect(await writtenRows(org.orgId)).toEqual({ ...before, consumed: before.consumed + 1, tokens: before.tokens + 1 });
  });
});
