import { createHash } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeApi, type FakeApi } from './fake-api';
import { DEFAULT_CLIENT, startFakeOAuthServer, type FakeOAuthServer } from './fake-oauth-server';

// Every call is bounded: a hung fake must fail the test, not stall the suite.
const call = (url: string, init: RequestInit = {}) => fetch(url, { redirect: 'manual', ...init, signal: init.signal ?? AbortSignal.timeout(5000) });

describe('fake API', () => {
  let api: FakeApi;
  beforeAll(async () => {
    api = await startFakeApi();
  });
  afterEach(() => api.reset());
  afterAll(() => api.close());

  it('listens on loopback only', () => {
    expect(api.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('records method, path, query, lower-cased headers and JSON body', async () => {
    api.on('POST /tickets', { status: 201, json: { id: 1 } });
    const response = await call(`${api.url}/tickets?tag=vip&tag=urgent&page=2`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Custom': 'Yes' },
      body: JSON.stringify({ subject: 'Hello' }),
    });
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ id: 1 });
    expect(api.requests).toHaveLength(1);
    const [recorded] = api.requests;
    expect(recorded).toMatchObject({
      method: 'POST',
      path: '/tickets',
      query: { tag: 'vip', page: '2' },
      rawQuery: 'tag=vip&tag=urgent&page=2',
      bodyText: '{"subject":"Hello"}',
      json: { subject: 'Hello' },
      idempotencyKey: null,
      answered: 201,
      replayed: false,
      effectApplied: true,
    });
    expect(recorded?.headers['x-custom']).toBe('Yes');
    expect(recorded?.headers['content-type']).toBe('application/json');
    expect(recorded?.receivedAt).toBeInstanceOf(Date);
  });

  it('answers 404 JSON for unknown routes, and a settable default', async () => {
    const missing = await call(`${api.url}/nothing`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'not_found', message: 'No such route' });
    api.setDefault((request) => ({ status: 200, json: { echo: request.path } }));
    expect(await (await call(`${api.url}/anything`)).json()).toEqual({ echo: '/anything' });
  });

  it('matches :params and passes them to handlers', async () => {
    api.on('GET /tickets/:id', (_request, params) => ({ json: { id: params.id } }));
    expect(await (await call(`${api.url}/tickets/a%20b`)).json()).toEqual({ id: 'a b' });
    expect((await call(`${api.url}/tickets/1/comments`)).status).toBe(404);
    expect(api.requestsTo('GET /tickets/:id')).toHaveLength(1);
  });

  it('plays a script in order, then falls back to the route answer', async () => {
    api.on('GET /status', { json: { ok: 'steady' } });
    api.script('GET /status', [{ status: 503 }, { status: 503 }, { status: 200, json: { ok: true } }]);
    const statuses: number[] = [];
    for (let index = 0; index < 4; index += 1) statuses.push((await call(`${api.url}/status`)).status);
    expect(statuses).toEqual([503, 503, 200, 200]);
    expect(await (await call(`${api.url}/status`)).json()).toEqual({ ok: 'steady' });
  });

  it('sends Retry-After and text bodies as scripted', async () => {
    api.script('GET /limited', [{ status: 429, headers: { 'retry-after': '1' }, body: 'slow down' }]);
    const response = await call(`${api.url}/limited`);
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('1');
    expect(await response.text()).toBe('slow down');
  });

  it('delays an answer long enough to trip a client timeout', async () => {
    api.on('GET /slow', { delayMs: 400, json: { late: true } });
    const error = await call(`${api.url}/slow`, { signal: AbortSignal.timeout(100) }).catch((e: unknown) => e);
    expect((error as Error).name).toBe('TimeoutError');
    const started = Date.now();
    expect((await call(`${api.url}/slow`)).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(350);
  });

  it('drops the connection to simulate a network error', async () => {
    api.script('GET /flaky', [{ drop: true }]);
    const error = await call(`${api.url}/flaky`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect(api.requests[0]?.answered).toBe('dropped');
  });

  it('rejects wrong or missing credentials with 401 JSON', async () => {
    api.requireHeader('Authorization', ['Bearer good-token', 'Bearer other-good']);
    api.on('GET /me', { json: { name: 'Acme' } });
    const missing = await call(`${api.url}/me`);
    const wrong = await call(`${api.url}/me`, { headers: { authorization: 'Bearer bad' } });
    const right = await call(`${api.url}/me`, { headers: { authorization: 'Bearer good-token' } });
    expect([missing.status, wrong.status, right.status]).toEqual([401, 401, 200]);
    expect(await wrong.json()).toEqual({ error: 'unauthorized', message: 'Invalid or missing credentials' });
    expect(wrong.headers.get('www-authenticate')).toBe('Bearer realm="fake-api"');
    api.requireHeader('authorization', null);
    expect((await call(`${api.url}/me`)).status).toBe(200);
  });

  it('applies an Idempotency-Key once and replays the stored answer', async () => {
    let created = 0;
    api.script('POST /charges', [{ status: 503 }]);
    api.on('POST /charges', () => ({ status: 201, json: { id: `ch_${(created += 1)}` } }));
    const post = (key: string) => call(`${api.url}/charges`, { method: 'POST', headers: { 'Idempotency-Key': key }, body: '{}' });

    expect((await post('tf-a')).status).toBe(503); // not stored: the retry runs for real
    const first = await post('tf-a');
    const replay = await post('tf-a');
    const other = await post('tf-b');
    expect(await first.json()).toEqual({ id: 'ch_1' });
    expect(await replay.json()).toEqual({ id: 'ch_1' });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(await other.json()).toEqual({ id: 'ch_2' });

    expect(api.idempotencyKeyCounts()).toEqual(
      new Map([
        ['tf-a', 3],
        ['tf-b', 1],
      ]),
    );
    expect(api.requestsWithIdempotencyKey('tf-a').map((r) => r.replayed)).toEqual([false, false, true]);
    expect(api.appliedEffects('POST /charges').map((r) => r.idempotencyKey)).toEqual(['tf-a', 'tf-b']);
  });

  it('can apply an effect and then cut the connection; the retry gets the stored answer', async () => {
    api.script('POST /orders', [{ status: 201, json: { id: 'o1' }, dropAfterApplying: true }]);
    api.on('POST /orders', { status: 201, json: { id: 'o2' } });
    const post = () => call(`${api.url}/orders`, { method: 'POST', headers: { 'idempotency-key': 'tf-o' }, body: '{}' });
    expect(await post().catch((e: unknown) => e)).toBeInstanceOf(TypeError);
    const retry = await post();
    expect(await retry.json()).toEqual({ id: 'o1' });
    expect(api.requests.map((r) => [r.answered, r.effectApplied, r.replayed])).toEqual([
      ['dropped', true, false],
      [201, false, true],
    ]);
    expect(api.appliedEffects('POST /orders')).toHaveLength(1);
  });

  it('answers 409 for a key still in flight and 422 for a key reused on another route', async () => {
    let release = () => {};
    let entered = false;
    const gate = new Promise<void>((resolve) => (release = resolve));
    api.on('POST /slow-charge', async () => {
      entered = true;
      await gate;
      return { status: 201, json: { id: 'ch' } };
    });
    api.on('POST /refunds', { status: 201, json: {} });
    const headers = { 'idempotency-key': 'tf-same' };
    const first = call(`${api.url}/slow-charge`, { method: 'POST', headers });
    await expect.poll(() => entered).toBe(true);
    const second = await call(`${api.url}/slow-charge`, { method: 'POST', headers });
    release();
    expect([(await first).status, second.status]).toEqual([201, 409]);
    expect((await call(`${api.url}/refunds`, { method: 'POST', headers })).status).toBe(422);
    expect(api.appliedEffects()).toHaveLength(1);
  });

  it('records the most requests it had in flight at once', async () => {
    api.on('GET /slow', { delayMs: 150, json: {} });
    await Promise.all([1, 2, 3].map(() => call(`${api.url}/slow`)));
    await call(`${api.url}/slow`);
    expect(api.peakConcurrency()).toBe(3);
    api.reset();
    expect(api.peakConcurrency()).toBe(0);
  });

  it('closes promptly even with a stalled request open', async () => {
    const stalled = await startFakeApi();
    stalled.on('GET /hang', { delayMs: 60_000 });
    const pending = call(`${stalled.url}/hang`).catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    await stalled.close();
    expect(Date.now() - started).toBeLessThan(1000);
    await pending;
  });
});

describe('fake OAuth2 server', () => {
  let oauth: FakeOAuthServer;
  let clock = Date.now();
  beforeAll(async () => {
    oauth = await startFakeOAuthServer({ accessTokenTtlSeconds: 600, now: () => clock });
  });
  afterAll(() => oauth.close());

  // RFC 6749 §2.3.1: id and secret are form-urlencoded, then base64.
  const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
  const asClient = { authorization: basic(DEFAULT_CLIENT.clientId, DEFAULT_CLIENT.clientSecret) };
  const token = (form: Record<string, string>, headers: Record<string, string> = asClient) =>
    call(oauth.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(form).toString(),
    });
  const refresh = (refreshToken: string) => token({ grant_type: 'refresh_token', refresh_token: refreshToken });
  const me = (accessToken: string) => call(oauth.resourceUrl, { headers: { authorization: `Bearer ${accessToken}` } });
  const authorizeUrl = (params: Record<string, string>) => {
    const url = new URL(oauth.authorizeUrl);
    for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
    return url.toString();
  };
  type Tokens = { access_token: string; refresh_token: string; scope?: string };

  it('issues client_credentials tokens with client_secret_basic and client_secret_post', async () => {
    const viaBasic = await token({ grant_type: 'client_credentials', scope: 'read' });
    expect(viaBasic.status).toBe(200);
    expect(viaBasic.headers.get('cache-control')).toBe('no-store');
    const body = (await viaBasic.json()) as Tokens;
    expect(body).toEqual({
      access_token: expect.stringMatching(/^at_/),
      token_type: 'Bearer',
      expires_in: 600,
      scope: 'read',
    });

    const viaPost = await token(
      {
        grant_type: 'client_credentials',
        client_id: DEFAULT_CLIENT.clientId,
        client_secret: DEFAULT_CLIENT.clientSecret,
      },
      {},
    );
    expect(viaPost.status).toBe(200);
    expect(oauth.tokenRequests.slice(-2).map((r) => r.authMethod)).toEqual(['client_secret_basic', 'client_secret_post']);

    expect(await (await me(body.access_token)).json()).toEqual({
      sub: DEFAULT_CLIENT.clientId,
      client_id: DEFAULT_CLIENT.clientId,
      scope: 'read',
    });
  });

  it('rejects bad clients, mixed auth methods, wrong content types and unknown grants', async () => {
    const wrongSecret = await token({ grant_type: 'client_credentials' }, { authorization: basic(DEFAULT_CLIENT.clientId, 'nope') });
    expect(wrongSecret.status).toBe(401);
    expect(await wrongSecret.json()).toEqual({
      error: 'invalid_client',
      error_description: 'Client authentication failed',
    });

    const both = await token({ grant_type: 'client_credentials', client_secret: 'x' });
    expect(both.status).toBe(400);
    expect(await both.json()).toMatchObject({ error: 'invalid_request' });

    const json = await call(oauth.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...asClient },
      body: '{"grant_type":"client_credentials"}',
    });
    expect(json.status).toBe(400);

    const unknown = await token({ grant_type: 'urn:ietf:params:oauth:grant-type:device_code' });
    expect(await unknown.json()).toMatchObject({ error: 'unsupported_grant_type' });
  });

  it('runs the authorization-code flow with PKCE, then rotates refresh tokens', async () => {
    const verifier = 'verifier-'.padEnd(50, 'x');
    const redirectUri = 'http://127.0.0.1:9/callback';
    const redirect = await call(
      authorizeUrl({
        response_type: 'code',
        client_id: DEFAULT_CLIENT.clientId,
        redirect_uri: redirectUri,
        state: 'st-1',
        scope: 'tickets',
        code_challenge: createHash('sha256').update(verifier).digest('base64url'),
        code_challenge_method: 'S256',
        login_hint: 'alice',
      }),
    );
    expect(redirect.status).toBe(302);
    const location = new URL(redirect.headers.get('location') ?? '');
    expect(`${location.origin}${location.pathname}`).toBe(redirectUri);
    expect(location.searchParams.get('state')).toBe('st-1');
    const code = location.searchParams.get('code') ?? '';
    const exchange = (codeVerifier: string) => token({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: codeVerifier });

    expect(await (await exchange('wrong')).json()).toMatchObject({ error: 'invalid_grant' });
    const exchanged = await exchange(verifier);
    expect(exchanged.status).toBe(200);
    const first = (await exchanged.json()) as Tokens;
    expect(first.scope).toBe('tickets');
    expect(await (await me(first.access_token)).json()).toMatchObject({ sub: 'alice' });

    const second = (await (await refresh(first.refresh_token)).json()) as Tokens;
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(oauth.refreshTokenState(first.refresh_token)).toBe('rotated');
    expect(oauth.refreshTokenState(second.refresh_token)).toBe('current');
    expect(oauth.currentRefreshToken(first.refresh_token)).toBe(second.refresh_token);

    // RFC 6749 §4.1.2: a replayed code fails and revokes what it issued.
    expect((await exchange(verifier)).status).toBe(400);
    expect(oauth.refreshTokenState(second.refresh_token)).toBe('revoked');
  });

  it('redirects with access_denied and refuses unverified redirect URIs', async () => {
    const request = { response_type: 'code', client_id: DEFAULT_CLIENT.clientId, state: 's' };
    oauth.denyNextAuthorization();
    const denied = await call(authorizeUrl({ ...request, redirect_uri: 'http://127.0.0.1:9/cb' }));
    const location = new URL(denied.headers.get('location') ?? '');
    expect(location.searchParams.get('error')).toBe('access_denied');
    expect(location.searchParams.get('code')).toBeNull();
    const bad = await call(authorizeUrl({ ...request, redirect_uri: 'javascript:alert(1)' }));
    expect(bad.status).toBe(400);
    expect(bad.headers.get('location')).toBeNull();
  });

  it('revokes the whole family when a spent refresh token is reused', async () => {
    const seeded = oauth.issueTokens({ subject: 'bob' });
    const winner = (await (await refresh(seeded.refresh_token)).json()) as Tokens;
    const loser = await refresh(seeded.refresh_token);
    expect(loser.status).toBe(400);
    expect(await loser.json()).toEqual({
      error: 'invalid_grant',
      error_description: 'The refresh token was already used',
    });
    // Even the winner's fresh tokens die: the race is costly, not just wasteful.
    expect(oauth.refreshTokenState(winner.refresh_token)).toBe('revoked');
    expect((await me(winner.access_token)).status).toBe(401);
  });

  it('reports a revoked grant as invalid_grant', async () => {
    const seeded = oauth.issueTokens();
    oauth.revoke(seeded.refresh_token);
    expect(await (await refresh(seeded.refresh_token)).json()).toEqual({
      error: 'invalid_grant',
      error_description: 'The refresh token is invalid or revoked',
    });
  });

  it('fails the next N token requests as told, without spending the refresh token', async () => {
    const seeded = oauth.issueTokens();
    const before = oauth.tokenRequestCount;
    oauth.failNext(1, 'server_error');
    expect((await refresh(seeded.refresh_token)).status).toBe(500);
    oauth.failNext(1, 'invalid_grant');
    expect(await (await refresh(seeded.refresh_token)).json()).toEqual({
      error: 'invalid_grant',
      error_description: 'Scripted failure',
    });
    expect(oauth.refreshTokenState(seeded.refresh_token)).toBe('current');
    expect((await refresh(seeded.refresh_token)).status).toBe(200);
    expect(oauth.tokenRequestCount - before).toBe(3);
    expect(oauth.tokenRequests.slice(-3).map((r) => r.status)).toEqual([500, 400, 200]);
  });

  it('checks bearer tokens on /me: missing, unknown, expired', async () => {
    const missing = await call(oauth.resourceUrl);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="fake-oauth"');
    const unknown = await me('at_unknown');
    expect(unknown.headers.get('www-authenticate')).toContain('error="invalid_token"');

    const seeded = oauth.issueTokens({ expiresInSeconds: 10 });
    expect(seeded.expires_in).toBe(10);
    expect((await me(seeded.access_token)).status).toBe(200);
    clock += 10_000;
    expect((await me(seeded.access_token)).status).toBe(401);
  });

  it('lets one of several concurrent refreshes win, after the configured latency', async () => {
    const seeded = oauth.issueTokens();
    oauth.setLatency(100);
    const started = Date.now();
    const responses = await Promise.all([1, 2, 3].map(() => refresh(seeded.refresh_token)));
    oauth.setLatency(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    expect(responses.map((r) => r.status).sort()).toEqual([200, 400, 400]);
    expect(oauth.currentRefreshToken(seeded.refresh_token)).toBeNull();
  });
});
