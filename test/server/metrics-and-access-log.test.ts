import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../src/config';
import { connectDatabase, type Database } from '../../src/db/client';
import { createApp } from '../../src/http/app';
import { createLogger } from '../../src/log';
import { masterKeyFrom } from '../../src/vault/master-key';
import { Vault } from '../../src/vault/vault';
import { startServer, type RunningServer } from '../../src/main';
import { parsePrometheusText, sampleValue } from '../support/prometheus-text';
import { seedOrg, type SeededOrg } from '../support/seed';

const lines: string[] = [];
let server: RunningServer;
let database: Database;
let org: SeededOrg;

beforeAll(async () => {
  database = connectDatabase(inject('databaseUrl'), { max: 2 });
  org = await seedOrg(database.db);
  const config = loadConfig({ DATABASE_URL: inject('databaseUrl'), TENANTFLOW_MASTER_KEY: inject('masterKey'), PORT: '0' });
  server = await startServer(config, createLogger('info', { write: (line: string) => void lines.push(line) }), { worker: false });
});
afterAll(async () => {
  await server.stop();
  await database.close();
});

const graphql = (body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${server.url}/api?debug=query-string-secret`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${org.adminToken}`, ...headers },
    body: JSON.stringify(body),
  });
const scrape = async () => {
  const response = await fetch(`${server.url}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/plain');
  return parsePrometheusText(await response.text());
};
const accessLines = (requestId: string) =>
  lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.msg === 'request' && line.requestId === requestId);

describe('access log', () => {
  it('one line per request with method, path, status, duration, request id, organization and operation; never a token, query string or body', async () => {
    const requestId = `ops-${Date.now()}`;
    const response = await graphql(
      { query: 'query WhoAmI { authenticatedUser { id } }', variables: { canary: 'body-canary-value' } },
      { 'x-request-id': requestId },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBe(requestId);
    const logged = accessLines(requestId);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ level: 30, method: 'POST', path: '/api', status: 200, orgId: org.orgId, operationName: 'WhoAmI' });
    expect(logged[0]!.durationMs).toEqual(expect.any(Number));
    const text = JSON.stringify(logged[0]);
    for (const leak of [org.adminToken, 'query-string-secret', 'body-canary-value', 'authenticatedUser']) expect(text).not.toContain(leak);
  });

  it('replaces an unusable x-request-id with a new one and echoes it on routes outside GraphQL too', async () => {
    for (const given of ['has space', 'x'.repeat(200), 'tab\there']) {
      const response = await fetch(`${server.url}/healthz`, { headers: { 'x-request-id': given } });
      const echoed = response.headers.get('x-request-id')!;
      expect(echoed).toMatch(/^[0-9a-f-]{36}$/);
      expect(accessLines(echoed)).toMatchObject([{ method: 'GET', path: '/healthz', status: 200 }]);
    }
  });

  it('logs a webhook or test URL path without its token', async () => {
    const token = 'wh_' + 'a'.repeat(40);
    for (const prefix of ['/webhooks', '/test-webhooks']) {
      const response = await fetch(`${server.url}${prefix}/${token}`, { method: 'POST', body: '{}' });
      const [line] = accessLines(response.headers.get('x-request-id')!);
      expect(line).toMatchObject({ path: `${prefix}/:token`, status: 404 });
      expect(JSON.stringify(line)).not.toContain(token);
    }
  });
});

describe('GET /metrics', () => {
  it('counts requests by operation name and status, and GraphQL errors by code', async () => {
    const before = await scrape();
    await graphql({ query: 'query WhoAmI { authenticatedUser { id } }' });
    await graphql({ query: 'query WhoAmI { authenticatedUser { id } }' });
    await graphql({ query: '{ authenticatedUser { id } }' });
    await graphql({ query: 'query Broken { noSuchField }' });
    const after = await scrape();
    const count = (samples: typeof before, labels: Record<string, string>) => sampleValue(samples, 'tenantflow_http_request_duration_seconds_count', labels);
    expect(count(after, { operation: 'WhoAmI', status: '200' }) - count(before, { operation: 'WhoAmI', status: '200' })).toBe(2);
    expect(count(after, { operation: 'anonymous', status: '200' }) - count(before, { operation: 'anonymous', status: '200' })).toBe(1);
    const validation = { code: 'GRAPHQL_VALIDATION_FAILED' };
    expect(sampleValue(after, 'tenantflow_graphql_errors_total', validation) - sampleValue(before, 'tenantflow_graphql_errors_total', validation)).toBe(1);
    for (const status of ['QUEUED', 'RUNNING', 'AUTHENTICATION_NEEDED'])
      expect(after.some((s) => s.name === 'tenantflow_executions' && s.labels.status === status)).toBe(true);
    expect(after.some((s) => s.name === 'tenantflow_queue_depth')).toBe(true);
    expect(after.some((s) => s.name === 'tenantflow_queue_oldest_age_seconds')).toBe(true);
  });

  it('caps client-chosen operation names', async () => {
    const names = Array.from({ length: 5 }, (_, i) => `Op${i}_${Date.now()}`);
    for (const name of names) await graphql({ query: `query ${name} { authenticatedUser { id } }` });
    const samples = await scrape();
    const labels = new Set(samples.filter((s) => s.name === 'tenantflow_http_request_duration_seconds_count').map((s) => s.labels.operation));
    expect(labels.size).toBeLessThanOrEqual(200 + 3);
    for (const name of names) expect(labels.has(name) || labels.has('other')).toBe(true);
  });
});

describe('/metrics protection', () => {
  const appWith = (metrics: Parameters<typeof createApp>[0]['metrics']) =>
    createApp({
      db: database.db,
      vault: new Vault(masterKeyFrom(inject('masterKey'))),
      log: createLogger('silent'),
      tenantName: 't',
      publicUrl: 'http://127.0.0.1',
      metrics,
    });
  const get = (app: ReturnType<typeof appWith>, authorization?: string) =>
    app.fetch('http://127.0.0.1/metrics', { headers: authorization ? { authorization } : {} });

  it('with METRICS_TOKEN set, answers only that bearer token', async () => {
    const app = appWith({ token: 'metrics-token-0123456789', production: true });
    expect((await get(app)).status).toBe(401);
    expect((await get(app, `Bearer ${org.adminToken}`)).status).toBe(401);
    expect((await get(app, 'Bearer metrics-token-012345678')).status).toBe(401);
    const allowed = await get(app, 'Bearer metrics-token-0123456789');
    expect(allowed.status).toBe(200);
    expect(parsePrometheusText(await allowed.text()).length).toBeGreaterThan(0);
  });

  it('in production without a token, /metrics does not exist', async () => {
    expect((await get(appWith({ production: true }))).status).toBe(404);
    expect((await get(appWith({ production: true }), 'Bearer anything-at-all-here')).status).toBe(404);
  });

  it('METRICS_TOKEN shorter than 16 characters is refused at start', () => {
    expect(() => loadConfig({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN: must be at least 16 characters/);
  });
});
