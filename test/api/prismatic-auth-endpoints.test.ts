import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, gql, type Harness } from '../support/harness';
import { seedOrg, type SeededOrg } from '../support/seed';

let h: Harness;
let org: SeededOrg;

beforeAll(async () => {
  h = createHarness();
  org = await seedOrg(h.database.db);
});
afterAll(() => h.close());

const post = (path: string, body: string, type = 'application/json') =>
  h.app.fetch(`http://127.0.0.1${path}`, { method: 'POST', headers: { 'content-type': type }, body });

describe('token endpoints prism and terraform call, mapped onto API tokens', () => {
  it('GET /auth/meta names this server as the token domain', async () => {
    const res = await h.app.fetch('http://127.0.0.1/auth/meta');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ domain: '127.0.0.1', clientId: 'tenantflow', audience: 'http://127.0.0.1' });
  });

  it('POST /auth/refresh turns an API token into an access token that works on /api', async () => {
    const res = await post('/auth/refresh', JSON.stringify({ refresh_token: org.memberToken }));
    expect(res.status).toBe(200);
    const { access_token } = (await res.json()) as { access_token: string };
    const who = await gql(h.app, '{ authenticatedUser { name } }', {}, access_token);
    expect(who.data.authenticatedUser.name).toBe('Max Member');
  });

  it('POST /oauth/token (where prism sends its refresh) accepts the form grant', async () => {
    const res = await post(
      '/oauth/token',
      new URLSearchParams({ grant_type: 'refresh_token', client_id: 'tenantflow', refresh_token: org.adminToken }).toString(),
      'application/x-www-form-urlencoded',
    );
    expect(res.status).toBe(200);
    expect(((await res.json()) as { access_token: string }).access_token).toBe(org.adminToken);
  });

  it('refuses unknown and revoked tokens without echoing them', async () => {
    for (const refresh_token of ['tf_made-up', 'not-a-token', 42]) {
      const res = await post('/auth/refresh', JSON.stringify({ refresh_token }));
      expect(res.status).toBe(401);
      const text = await res.text();
      expect(text).toContain('invalid_grant');
      expect(text).not.toContain('made-up');
    }
    const wrongGrant = await post('/oauth/token', 'grant_type=password&refresh_token=x', 'application/x-www-form-urlencoded');
    expect(wrongGrant.status).toBe(400);
  });

  it('refuses an oversized body unread, declared or streamed, on both token endpoints', async () => {
    const huge = JSON.stringify({ refresh_token: org.adminToken, padding: 'x'.repeat(2_000_000) });
    for (const path of ['/auth/refresh', '/oauth/token']) {
      const declared = await post(path, huge);
      expect(declared.status).toBe(413);
      // No Content-Length: the body arrives as a stream and reading stops at the limit.
      let sent = 0;
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          sent += 65_536;
          if (sent > 4_000_000) controller.close();
          else controller.enqueue(new Uint8Array(65_536).fill(120));
        },
      });
      const streamed = await h.app.fetch(`http://127.0.0.1${path}`, { method: 'POST', body: stream, duplex: 'half' } as RequestInit);
      expect(streamed.status).toBe(413);
      expect(await streamed.text()).not.toContain(org.adminToken);
      expect(sent).toBeLessThan(4_000_000);
    }
  });

  it('POST /embedded/authenticate refuses an API token and a missing header with 401', async () => {
    const withToken = await h.app.fetch('http://127.0.0.1/embedded/authenticate', { method: 'POST', headers: { authorization: `Bearer ${org.adminToken}` } });
    expect(withToken.status).toBe(401);
    const without = await h.app.fetch('http://127.0.0.1/embedded/authenticate', { method: 'POST' });
    expect(without.status).toBe(401);
  });
});
