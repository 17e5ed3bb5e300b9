import type { App, Route } from '../../src/http/app';
import { oauth2CallbackRoutes } from '../../src/http/oauth2-callback';
import { outgoingHttp } from '../../src/execution/http/outgoing-http';
import { createLogger } from '../../src/log';
import { DEFAULT_CLIENT, type FakeOAuthServer } from '../fakes/fake-oauth-server';
import { testEngineConfig } from './engine-config';
import { gql, type Harness } from './harness';
import { captureLog } from './log-capture';

// issue 10: OAuth 2.0 authorization-code helpers.

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
