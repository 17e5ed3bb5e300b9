import { spawnSync } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness';
import { seedOrg } from '../support/seed';

let h: Harness;
beforeAll(() => {
  h = createHarness();
});
afterAll(() => h.close());

describe('health', () => {
  it('answers /healthz and /readyz', async () => {
    const health = await h.app.fetch('http://127.0.0.1/healthz');
    expect([health.status, await health.json()]).toEqual([200, { status: 'ok' }]);
    const ready = await h.app.fetch('http://127.0.0.1/readyz');
    expect([ready.status, await ready.json()]).toEqual([200, { status: 'ready' }]);
  });
});

describe('GraphiQL', () => {
  it.each(['/graphql', '/api'])('is served on GET %s to a browser, with no asset from the network', async (path) => {
    const res = await h.app.fetch(`http://127.0.0.1${path}`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    const html = await res.text();
    expect(html).toContain('tenantflow');
    // Offline means the page must not load scripts or styles from a CDN.
    expect(html.match(/<(script|link)[^>]+(src|href)=["']https?:\/\//g)).toBeNull();
  });
});

describe('GraphQL hardening', () => {
  const post = (query: string) =>
    h.app.fetch('http://127.0.0.1/api', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });

  it('rejects more than 30 aliases before running anything', async () => {
    const aliases = Array.from({ length: 31 }, (_, i) => `a${i}: authenticatedUser { id }`).join(' ');
    const body = (await (await post(`{ ${aliases} }`)).json()) as { errors: { message: string }[] };
    expect(body.errors[0]!.message).toContain('Aliases limit of 30 exceeded');
  });

  it('does not suggest field names to a client that misspells one', async () => {
    const body = (await (await post('{ customerz { totalCount } }')).json()) as { errors: { message: string }[] };
    expect(body.errors[0]!.message).not.toContain('Did you mean');
  });

  it('refuses anonymous reads', async () => {
    const body = (await (await post('{ customers { totalCount } }')).json()) as { errors: { message: string; extensions: { code: string } }[] };
    expect(body.errors[0]!.extensions.code).toBe('UNAUTHENTICATED');
  });
});

const chromium = spawnSync('which', ['chromium']).status === 0 ? '/usr/bin/chromium' : null;
describe.skipIf(!chromium)('GraphiQL in a real browser (headless Chromium, network cut off)', () => {
  it('renders the editor, loads the schema and answers a query typed in by a person, from our own server alone', async () => {
    const { screenshotGraphiQL } = await import('../../scripts/graphiql-screenshot');
    const server = http.createServer(h.app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const org = await seedOrg(h.database.db);
      const result = await screenshotGraphiQL({ url: `http://127.0.0.1:${port}/graphql`, executablePath: chromium!, token: org.adminToken });
      expect(result.blockedRequests).toEqual([]);
      expect(result.editorVisible).toBe(true);
      expect(result.introspectionStatus).toBe(200);
      expect(result.queryAnswered).toBe(true);
    } finally {
      server.close();
    }
  });
});
