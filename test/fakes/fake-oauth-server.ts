import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { BodyTooLargeError, closeServer, firstValues, listenOnLoopback, readBodyText, sendJson, sleep } from './http-util';
import { invalidGrant, OAuthError, OAuthGrants, type RefreshTokenState, type TokenResponse } from './oauth-grants';

export type { RefreshTokenState, TokenResponse } from './oauth-grants';

/**
 * A real OAuth2 provider on 127.0.0.1: token endpoint (RFC 6749 §3.2, both client_secret_basic and
 * client_secret_post), authorization endpoint with PKCE (RFC 7636), and a bearer-protected `GET /me`
 * (RFC 6750). Refresh tokens rotate and a reused one revokes its whole family — the failure that
 * concurrent refreshes cause, which tenantflow's single-flight refresh must avoid.
 */

export interface FakeOAuthClient {
  clientId: string;
  clientSecret: string;
  /** Exact redirect URIs; when omitted any http(s) URI is accepted (tests use random ports). */
  redirectUris?: string[];
}

export interface FakeOAuthOptions {
  clients?: FakeOAuthClient[];
  accessTokenTtlSeconds?: number;
  rotateRefreshTokens?: boolean;
  revokeFamilyOnReuse?: boolean;
  /** Added after the token endpoint has done its work (rotation included), like a slow provider. */
  latencyMs?: number;
  /** Injected clock (ms since epoch) so tests can expire tokens without waiting. */
  now?: () => number;
  /** Resource owners the password grant (RFC 6749 §4.3) accepts; `password` as the client must send it. */
  users?: { username: string; password: string }[];
}

export interface TokenRequestRecord {
  grantType: string | null;
  clientId: string | null;
  authMethod: 'client_secret_basic' | 'client_secret_post' | 'none';
  status: number;
  error?: string;
  at: Date;
}

export type ScriptedTokenFailure = 'server_error' | 'invalid_grant';

export interface FakeOAuthServer {
  readonly url: string;
  readonly tokenUrl: string;
  readonly authorizeUrl: string;
  readonly resourceUrl: string;
  readonly tokenRequests: readonly TokenRequestRecord[];
  readonly tokenRequestCount: number;
  readonly resourceRequestCount: number;
  /** The next `count` authenticated token requests fail before doing anything (nothing is spent). */
  failNext(count: number, kind: ScriptedTokenFailure): void;
  setLatency(ms: number): void;
  /** The next /authorize answers `error=access_denied`, as when the user clicks "Deny". */
  denyNextAuthorization(): void;
  /** Mint a token family directly, e.g. to seed a stored credential that is about to expire. */
  issueTokens(input?: { clientId?: string; subject?: string; scope?: string; expiresInSeconds?: number }): TokenResponse & { refresh_token: string };
  refreshTokenState(refreshToken: string): RefreshTokenState;
  /** The family's live refresh token, given any token of that family; null when revoked or unknown. */
  currentRefreshToken(anyRefreshTokenOfFamily: string): string | null;
  /** Revoke a grant for good, as when the user disconnects the app at the provider. */
  revoke(anyRefreshTokenOfFamily: string): void;
  close(): Promise<void>;
}

export const DEFAULT_CLIENT: FakeOAuthClient = {
  clientId: 'tenantflow-client',
  clientSecret: 'tenantflow-client-secret',
};

const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };

export async function startFakeOAuthServer(options: FakeOAuthOptions = {}): Promise<FakeOAuthServer> {
  const clientList = options.clients ?? [DEFAULT_CLIENT];
  const clients = new Map(clientList.map((client) => [client.clientId, client]));
  const now = options.now ?? Date.now;
  const grants = new OAuthGrants({
    accessTokenTtlSeconds: options.accessTokenTtlSeconds ?? 3600,
    rotateRefreshTokens: options.rotateRefreshTokens ?? true,
    revokeFamilyOnReuse: options.revokeFamilyOnReuse ?? true,
    now,
  });
  let latencyMs = options.latencyMs ?? 0;
  let scriptedFailures: ScriptedTokenFailure[] = [];
  let denyNext = false;
  let resourceRequestCount = 0;
  const shutdown = new AbortController();
  const tokenRequests: TokenRequestRecord[] = [];

  async function handleToken(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const record: TokenRequestRecord = {
      grantType: null,
      clientId: null,
      authMethod: 'none',
      status: 200,
      at: new Date(now()),
    };
    tokenRequests.push(record);
    let status = 200;
    let body: unknown;
    let headers: Record<string, string> = NO_STORE;
    try {
      body = await grantTokens(request, record);
    } catch (error) {
      const oauthError = toOAuthError(error);
      status = oauthError.status;
      body = { error: oauthError.code, error_description: oauthError.message };
      headers = { ...NO_STORE, ...oauthError.headers };
      record.error = oauthError.code;
    }
    record.status = status;
    await sleep(latencyMs, shutdown.signal);
    sendJson(response, status, body, headers);
  }

  async function grantTokens(request: IncomingMessage, record: TokenRequestRecord): Promise<TokenResponse> {
    const body = await readBodyText(request);
    const contentType = (request.headers['content-type'] ?? '').toLowerCase();
    if (!contentType.startsWith('application/x-www-form-urlencoded')) {
      throw new OAuthError(400, 'invalid_request', 'Content-Type must be application/x-www-form-urlencoded');
    }
    const form = firstValues(new URLSearchParams(body));
    record.grantType = form.grant_type ?? null;
    const client = authenticateClient(request.headers.authorization, form, record);
    const failure = scriptedFailures.shift();
    if (failure === 'server_error') throw new OAuthError(500, 'server_error', 'Scripted failure');
    if (failure === 'invalid_grant') throw invalidGrant('Scripted failure');
    switch (form.grant_type) {
      case 'client_credentials':
        return grants.clientCredentials(client.clientId, form.scope ?? '');
      case 'authorization_code':
        return grants.exchangeCode(client.clientId, {
          code: form.code,
          redirectUri: form.redirect_uri,
          codeVerifier: form.code_verifier,
        });
      case 'refresh_token':
        return grants.refresh(client.clientId, form.refresh_token ?? '');
      case 'password': {
        const user = (options.users ?? []).find((u) => u.username === form.username);
        if (!user || user.password !== form.password) throw invalidGrant('authentication failure');
        return grants.mintFamily(client.clientId, user.username, form.scope ?? '').tokens;
      }
      case undefined:
        throw new OAuthError(400, 'invalid_request', 'grant_type is required');
      default:
        throw new OAuthError(400, 'unsupported_grant_type', `grant_type ${form.grant_type} is not supported`);
    }
  }

  function authenticateClient(authorization: string | undefined, form: Record<string, string>, record: TokenRequestRecord): FakeOAuthClient {
    let clientId = form.client_id;
    let secret: string | undefined;
    if (authorization?.toLowerCase().startsWith('basic ')) {
      record.authMethod = 'client_secret_basic';
      // RFC 6749 §2.3.1: id and secret are form-urlencoded before base64.
      const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      clientId = formDecode(colon < 0 ? decoded : decoded.slice(0, colon));
      secret = colon < 0 ? undefined : formDecode(decoded.slice(colon + 1));
      // RFC 6749 §2.3: a client must not use more than one authentication method per request.
      if (form.client_secret !== undefined) {
        throw new OAuthError(400, 'invalid_request', 'Use only one client authentication method');
      }
      if (form.client_id !== undefined && form.client_id !== clientId) {
        throw new OAuthError(400, 'invalid_request', 'client_id does not match the Authorization header');
      }
    } else if (form.client_secret !== undefined) {
      record.authMethod = 'client_secret_post';
      secret = form.client_secret;
    }
    record.clientId = clientId ?? null;
    const client = clientId === undefined ? undefined : clients.get(clientId);
    if (!client || secret !== client.clientSecret) {
      throw new OAuthError(401, 'invalid_client', 'Client authentication failed', {
        'www-authenticate': 'Basic realm="fake-oauth"',
      });
    }
    return client;
  }

  function handleAuthorize(url: URL, response: ServerResponse): void {
    const params = firstValues(url.searchParams);
    const client = params.client_id === undefined ? undefined : clients.get(params.client_id);
    const redirectUri = params.redirect_uri ?? (client?.redirectUris?.length === 1 ? client.redirectUris[0] : undefined);
    // RFC 6749 §4.1.2.1: never redirect to an unverified URI; show the error instead.
    if (!client || !redirectUri || !redirectAllowed(client, redirectUri)) {
      const description = client ? 'Invalid redirect_uri' : 'Unknown client_id';
      return sendJson(response, 400, { error: 'invalid_request', error_description: description });
    }
    const target = new URL(redirectUri);
    if (params.state !== undefined) target.searchParams.set('state', params.state);
    const method = params.code_challenge_method ?? 'plain';
    let error: string | null = null;
    if (params.response_type !== 'code') error = 'unsupported_response_type';
    else if (method !== 'S256' && method !== 'plain') error = 'invalid_request';
    else if (denyNext) error = 'access_denied';
    denyNext = false;
    if (error !== null) {
      target.searchParams.set('error', error);
    } else {
      const code = grants.createCode({
        clientId: client.clientId,
        redirectUri: params.redirect_uri ?? null,
        // The fake "logs in" whoever the client hints at, so tests can act as several users.
        subject: params.login_hint ?? 'user-1',
        scope: params.scope ?? '',
        codeChallenge: params.code_challenge ?? null,
        challengeMethod: method as 'S256' | 'plain',
      });
      target.searchParams.set('code', code);
    }
    response.writeHead(302, { location: target.toString(), 'cache-control': 'no-store' });
    response.end();
  }

  function handleResource(request: IncomingMessage, response: ServerResponse): void {
    resourceRequestCount += 1;
    const header = request.headers.authorization ?? '';
    if (!/^bearer /i.test(header)) {
      const challenge = { 'www-authenticate': 'Bearer realm="fake-oauth"' };
      return sendJson(response, 401, { error: 'unauthorized' }, challenge);
    }
    const owner = grants.checkAccessToken(header.slice(7).trim());
    if (!owner) {
      // RFC 6750 §3.1: tell the client its token is the problem, so it knows to refresh.
      const challenge = {
        'www-authenticate': 'Bearer realm="fake-oauth", error="invalid_token"',
      };
      return sendJson(response, 401, { error: 'invalid_token' }, challenge);
    }
    sendJson(response, 200, { sub: owner.subject, client_id: owner.clientId, scope: owner.scope });
  }

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://fake.invalid');
    const route = `${request.method ?? 'GET'} ${url.pathname}`;
    const handle = async () => {
      if (route === 'POST /oauth/token') return handleToken(request, response);
      if (route === 'GET /authorize') return handleAuthorize(url, response);
      if (route === 'GET /me') return handleResource(request, response);
      sendJson(response, 404, { error: 'not_found' });
    };
    handle().catch((error: unknown) => {
      sendJson(response, 500, { error: 'server_error', error_description: String(error) });
    });
  });
  const url = await listenOnLoopback(server);

  return {
    url,
    tokenUrl: `${url}/oauth/token`,
    authorizeUrl: `${url}/authorize`,
    resourceUrl: `${url}/me`,
    tokenRequests,
    get tokenRequestCount() {
      return tokenRequests.length;
    },
    get resourceRequestCount() {
      return resourceRequestCount;
    },
    failNext(count, kind) {
      scriptedFailures = Array.from({ length: count }, () => kind);
    },
    setLatency(ms) {
      latencyMs = ms;
    },
    denyNextAuthorization() {
      denyNext = true;
    },
    issueTokens(input = {}) {
      const clientId = input.clientId ?? clientList[0]?.clientId ?? DEFAULT_CLIENT.clientId;
      const subject = input.subject ?? 'user-1';
      return grants.mintFamily(clientId, subject, input.scope ?? '', input.expiresInSeconds).tokens;
    },
    refreshTokenState: (refreshToken) => grants.refreshTokenState(refreshToken),
    currentRefreshToken: (refreshToken) => grants.currentRefreshToken(refreshToken),
    revoke: (refreshToken) => grants.revoke(refreshToken),
    async close() {
      shutdown.abort();
      await closeServer(server);
    },
  };
}

function formDecode(text: string): string {
  return decodeURIComponent(text.replace(/\+/g, ' '));
}

function redirectAllowed(client: FakeOAuthClient, redirectUri: string): boolean {
  if (client.redirectUris) return client.redirectUris.includes(redirectUri);
  try {
    return ['http:', 'https:'].includes(new URL(redirectUri).protocol);
  } catch {
    return false;
  }
}

function toOAuthError(error: unknown): OAuthError {
  if (error instanceof OAuthError) return error;
  if (error instanceof BodyTooLargeError) return new OAuthError(413, 'invalid_request', 'Body too large');
  // decodeURIComponent on malformed Basic credentials.
  if (error instanceof URIError) return new OAuthError(400, 'invalid_request', 'Malformed client credentials');
  return new OAuthError(500, 'server_error', String(error));
}
