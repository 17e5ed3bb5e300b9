import { randomUUID } from 'node:crypto';
import { storeGrant } from '../../src/domain/oauth2/tokens';
import type { App, Route } from '../../src/http/app';
import { oauth2CallbackRoutes } from '../../src/http/oauth2-callback';
import { outgoingHttp } from '../../src/execution/http/outgoing-http';
import { createLogger } from '../../src/log';
import { DEFAULT_CLIENT, type FakeOAuthServer } from '../fakes/fake-oauth-server';
import { connectionId } from './connections';
import { createConnectorAuth } from './connector-auths';
import { testEngineConfig } from './engine-config';
import { gql, type Harness } from './harness';
import { deployInstance, importAndPublish } from './integrations';
import { captureLog } from './log-capture';
import { decodeGlobalId, encodeGlobalId } from '../../src/lib/global-id';
import { seedCustomer, type SeededOrg } from './seed';

// OAuth 2.0 authorization-code helpers.

/** The callback route over a harness that is created later (routes are fixed when the harness is). */
export function lateOAuth2Callback(): { route: Route; attach: (h: Harness) => () => Promise<void> } {
  let routes: Route[] = [];
  return {
    route: (request, url) => routes[0]?.(request, url),
    attach: (h) => {
      const http = outgoingHttp(testEngineConfig);
      routes = oauth2CallbackRoutes({ db: h.database.db, vault: h.vault, log: createLogger('info', captureLog), http, timeoutMs: 5_000 });
      return () => http.close();
    },
  };
}

/** GET /oauth2/callback of a server whose clock reads `now()`: how a test sees a state outlive its lifetime. */
export function oauth2CallbackWithClock(h: Harness, now: () => number) {
  const http = outgoingHttp(testEngineConfig);
  const [route] = oauth2CallbackRoutes({ db: h.database.db, vault: h.vault, log: createLogger('info', captureLog), http, timeoutMs: 5_000, now });
  return {
    /** What a browser does after the provider's consent, to the URL the provider redirected it to. */
    follow: async (providerRedirect: URL) => {
      const url = new URL(`http://127.0.0.1${providerRedirect.pathname}${providerRedirect.search}`);
      return (await route!(new Request(url, { redirect: 'manual' }), url))!;
    },
    close: () => http.close(),
  };
}

/** The global inputs of the http component's authorization-code connection, pointing at the fake provider. */
export const fakeProviderInputs = (oauth: FakeOAuthServer) => [
  { name: 'authorizeUrl', type: 'value', value: oauth.authorizeUrl },
  { name: 'tokenUrl', type: 'value', value: oauth.tokenUrl },
  { name: 'clientId', type: 'value', value: DEFAULT_CLIENT.clientId },
  { name: 'clientSecret', type: 'value', value: DEFAULT_CLIENT.clientSecret },
  { name: 'scopes', type: 'value', value: 'read write' },
];

export const START = `mutation($input: StartOAuth2AuthorizationInput!) {
  startOAuth2Authorization(input: $input) { authorization { authorizeUrl expiresAt } errors { field messages } }
}`;

export async function allowRedirectOrigins(app: App, token: string, origins: string[]) {
  const res = await gql(
    app,
    `mutation($o: [String!]!) { setAllowedRedirectOrigins(input: { allowedRedirectOrigins: $o }) { organization { allowedRedirectOrigins } errors { field messages } } }`,
    { o: origins },
    token,
  );
  return res.data.setAllowedRedirectOrigins;
}

/** Starts an authorization and returns the provider's URL (throws on errors). */
export async function startAuthorization(app: App, token: string, target: string, redirectUri?: string): Promise<string> {
  const res = await gql(app, START, { input: { target, redirectUri } }, token);
  const payload = res.data?.startOAuth2Authorization;
  if (!payload?.authorization) throw new Error(`startOAuth2Authorization failed: ${JSON.stringify(res)}`);
  return payload.authorization.authorizeUrl;
}

/**
 * What a browser does: GET the provider's authorize URL over real HTTP (the fake consents at once and
 * redirects), then follow that redirect to tenantflow's callback. Returns the callback's answer.
 */
export async function authorizeInBrowser(app: App, authorizeUrl: string): Promise<{ providerRedirect: URL; callback: Response }> {
  const provider = await fetch(authorizeUrl, { redirect: 'manual' });
  const providerRedirect = new URL(provider.headers.get('location') ?? '');
  const callback = await app.fetch(`http://127.0.0.1${providerRedirect.pathname}${providerRedirect.search}`, { redirect: 'manual' });
  return { providerRedirect, callback };
}

/**
 * A connector auth of the http component's authorization-code connection whose stored tokens are a real
 * grant of the fake provider (as if authorized), its access token expiring in `expiresInMs`.
 */
export async function authorizedConnectorAuth(h: Harness, org: SeededOrg, oauth: FakeOAuthServer, opts: { expiresInMs: number; accessToken?: string }) {
  const authId = await createConnectorAuth(h.app, org.adminToken, {
    connection: await connectionId(h.app, org.adminToken, 'http', 'oauth2-authorization-code'),
    name: `Provider ${randomUUID().slice(0, 8)}`,
    inputs: fakeProviderInputs(oauth),
  });
  const holderId = decodeGlobalId(authId)!.id;
  const granted = oauth.issueTokens({ scope: 'read write' });
  await storeGrant(
    h.database.db,
    h.vault,
    { kind: 'CONNECTOR_AUTH', holderId, owner: { orgId: org.orgId, customerId: null } },
    {
      accessToken: opts.accessToken ?? granted.access_token,
      refreshToken: granted.refresh_token,
      expiresAt: new Date(Date.now() + opts.expiresInMs),
      scopes: ['read', 'write'],
    },
  );
  return { authId, holderId, accessToken: granted.access_token, refreshToken: granted.refresh_token };
}

/**
 * Publishes `definition` and deploys it for a new customer of `org`, its "Provider" connection filled with
 * the fake provider's settings: a deploy needs the instance's own connection complete, while a run's auth
 * id still wins (rule 1).
 */
export async function deployWithFakeProvider(h: Harness, org: SeededOrg, oauth: FakeOAuthServer, definition: string, name: string) {
  const integration = await importAndPublish(h.app, org.adminToken, definition);
  const customer = encodeGlobalId('Customer', (await seedCustomer(h.database.db, org.admin)).id);
  return deployInstance(h.app, org.adminToken, {
    integration: integration.id,
    customer,
    name,
    configVariables: [{ key: 'Provider', values: JSON.stringify(fakeProviderInputs(oauth)) }],
  });
}
