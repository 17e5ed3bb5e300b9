import { inArray } from 'drizzle-orm';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { executions } from '../../src/db/tables';
import { startFakeApi, type FakeApi } from '../fakes/fake-api';
import { createHarness, type Harness } from '../support/harness';
import { postWebhook } from '../support/integrations';
import { seedOrg, type SeededOrg } from '../support/seed';
import { spawnWorker } from '../support/worker';
import { acmeInstance, databaseUrlNamed, terminateConnections, uuidOf } from '../support/worker-reliability';

let h: Harness;
let org: SeededOrg;
let api: FakeApi;

beforeAll(async () => {
  h = createHarness();
  org = await seedOrg(h.database.db);
  api = await startFakeApi({ idempotency: true });
  // A few ms per call keeps several runs (and their database connections) in flight when one is cut.
  api.on('POST /records', { status: 201, json: { ok: true }, delayMs: 15 });
});
afterAll(async () => {
  await api.close();
  await h.close();
});

it('20 pg_terminate_backend of the worker connections during 100 executions: all succeed, each effect once, the worker lives', async () => {
  const instance = await acmeInstance(h, org, api, 'rel-terminate');
  const appName = `tf-rel-${randomBytes(3).toString('hex')}`;
  const worker = await spawnWorker({ TEST_DATABASE_URL: databaseUrlNamed(appName) });
  try {
    const names = Array.from({ length: 100 }, (_, i) => `term-${i}`);
    const ids: string[] = [];
    let terminated = 0;
    let cuts = 0;
    for (const [i, name] of names.entries()) {
      const started = await postWebhook(h.app, instance.webhooks.twice!, { name });
      ids.push(uuidOf(started.executionId!));
      // Every fifth execution, cut all of the worker's connections (graphile-worker's and the engine's).
      if (i % 5 === 4) {
        terminated += await terminateConnections(h, appName);
        cuts++;
        await new Promise((r) => setTimeout(r, 60));
      }
    }
    expect(cuts).toBe(20);
    expect(terminated).toBeGreaterThanOrEqual(20);

    let rows: { id: string; status: string }[] = [];
    for (let i = 0; i < 400; i++) {
      rows = await h.database.db.select({ id: executions.id, status: executions.status }).from(executions).where(inArray(executions.id, ids));
      if (rows.every((r) => r.status === 'SUCCEEDED' || r.status === 'FAILED')) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(rows.filter((r) => r.status !== 'SUCCEEDED')).toEqual([]);
    const applied = api.appliedEffects('POST /records').map((r) => (r.json as { name: string }).name);
    for (const name of names) {
      expect(applied.filter((n) => n === `${name}-1`)).toHaveLength(1);
      expect(applied.filter((n) => n === `${name}-2`)).toHaveLength(1);
    }
    expect(worker.running()).toBe(true);
  } finally {
    await worker.kill('SIGTERM');
  }
}, 40_000);
