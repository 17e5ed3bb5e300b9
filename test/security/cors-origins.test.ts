import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';
import { createHarness } from '../support/harness';

const closed = createHarness();
const allowing = createHarness({ api: { corsOrigins: ['https://app.vendor.example'] } });
afterAll(async () => {
  await closed.close();
  await allowing.close();
});

const ask = (app: typeof closed.app, origin: string, method = 'POST') =>
  app.fetch('http://127.0.0.1/api', {
    method,
    headers: { origin, 'content-type': 'application/json', 'access-control-request-method': 'POST' },
    ...(method === 'POST' ? { body: '{"query":"{ __typename }"}' } : {}),
  });

describe('CORS (finding 10)', () => {
  it('by default reflects no origin and allows no credentials, for requests and preflights', async () => {
    for (const method of ['POST', 'OPTIONS']) {
      const response = await ask(closed.app, 'https://evil.example', method);
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
      expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    }
  });

  it('allows exactly the origins in CORS_ORIGINS, with credentials', async () => {
    const listed = await ask(allowing.app, 'https://app.vendor.example');
    expect(listed.headers.get('access-control-allow-origin')).toBe('https://app.vendor.example');
    expect(listed.headers.get('access-control-allow-credentials')).toBe('true');
    const other = await ask(allowing.app, 'https://evil.example');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    expect(other.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('reads CORS_ORIGINS as a comma-separated list and refuses anything but origins', () => {
    expect(loadConfig({ CORS_ORIGINS: 'https://a.example, http://localhost:3000' }).api.corsOrigins).toEqual(['https://a.example', 'http://localhost:3000']);
    expect(loadConfig({}).api.corsOrigins).toEqual([]);
    expect(() => loadConfig({ CORS_ORIGINS: 'https://a.example/path' })).toThrow('CORS_ORIGINS');
  });
});
