import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RateLimiter } from '../../src/http/webhooks/rate-limit';
import { createHarness, type Harness } from '../support/harness';
import { seedOrg, type SeededOrg } from '../support/seed';
import { appWithWebhookSettings, deployReceivers } from './webhooks-setup';

let h: Harness;
let org: SeededOrg;

beforeAll(async () => {
  h = createHarness();
  org = await seedOrg(h.database.db);
});
afterAll(() => h.close());

const post = (app: ReturnType<typeof appWithWebhookSettings>, path: string) =>
  app.fetch(`http://127.0.0.1${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });

describe('webhook rate limits', () => {
  it('answer 429 with Retry-After past the per-webhook rate, without touching other webhooks', async () => {
    const app = appWithWebhookSettings(h, { ratePerMinute: 3 });
    const { paths } = await deployReceivers(h, org, 2);
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await post(app, paths[0]!)).status);
    expect(statuses).toEqual([202, 202, 202, 429]);
    const refused = await post(app, paths[0]!);
    expect(refused.status).toBe(429);
    // 3 a minute: one call every 20 s (19 once a second has passed since the bucket emptied, on a slow machine).
    expect(['19', '20']).toContain(refused.headers.get('retry-after'));
    expect(await refused.json()).toEqual({ error: `Too many calls; retry in ${refused.headers.get('retry-after')} s.` });
    expect((await post(app, paths[1]!)).status).toBe(202);
  });

  it('answer 429 past the per-organization rate, whichever of its webhooks is called', async () => {
    const app = appWithWebhookSettings(h, { orgRatePerMinute: 4 });
    const { paths } = await deployReceivers(h, org, 4);
    const statuses = [];
    for (const path of [...paths, paths[0]!]) statuses.push((await post(app, path)).status);
    expect(statuses).toEqual([202, 202, 202, 202, 429]);
    const other = await seedOrg(h.database.db);
    expect((await post(app, (await deployReceivers(h, other)).paths[0]!)).status).toBe(202);
  });

  it('refill with time (token bucket)', () => {
    let now = 0;
    const limiter = new RateLimiter(60, () => now);
    for (let i = 0; i < 60; i++) limiter.take('k');
    expect(limiter.waitSeconds('k')).toBe(1);
    now += 1000;
    expect(limiter.waitSeconds('k')).toBe(0);
  });
});
