import { and, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase } from '../../src/db/client';
import { executions } from '../../src/db/tables';
import { fireDueSchedules } from '../../src/execution/schedules';
import { startFakeApi, type FakeApi } from '../fakes/fake-api';
import { createHarness, type Harness } from '../support/harness';
import { awaitEnd, postWebhook } from '../support/integrations';
import { seedOrg, type SeededOrg } from '../support/seed';
import { spawnWorker } from '../support/worker';
import { acmeInstance, uuidOf } from '../support/worker-reliability';
import { inject } from 'vitest';

const EVERY_MINUTE = `  - name: Every minute
    stableKey: every-minute
    trigger: { type: schedule, cron: "* * * * *" }
    steps:
      - name: Tick
        action: { component: acme-api, key: get-account }
        connection: Acme
`;

let h: Harness;
let org: SeededOrg;
let api: FakeApi;

beforeAll(async () => {
  h = createHarness();
  org = await seedOrg(h.database.db);
  api = await startFakeApi({ idempotency: true });
  api.on('POST /records', { status: 201, json: { ok: true } });
  api.on('GET /account', { status: 200, json: { account: 'acme' } });
});
afterAll(async () => {
  await api.close();
  await h.close();
});

describe('a worker killed mid-execution', () => {
  it('is resumed by another worker after its lease runs out, and the API applies the effect once', async () => {
    const instance = await acmeInstance(h, org, api, 'acme-sigkill', '');
    let arrived!: () => void;
    const firstArrival = new Promise<void>((resolve) => (arrived = resolve));
    let calls = 0;
    // The first request hangs (the worker is killed while waiting for it); later ones answer at once.
    api.on('POST /records', async () => {
      calls++;
      if (calls === 1) {
        arrived();
        await new Promise((r) => setTimeout(r, 1_000));
      }
      return { status: 201, json: { ok: true } };
    });
    const doomed = await spawnWorker({ EXECUTION_LEASE_MS: '1500' });
    const started = await postWebhook(h.app, instance.webhooks.create!, { name: 'survive' });
    await firstArrival;
    await doomed.kill('SIGKILL');

    const rescuer = await spawnWorker({ EXECUTION_LEASE_MS: '1500' });
    try {
      const execution = await awaitEnd(h.app, org.adminToken, started.executionId!);
      expect(execution.status).toBe('SUCCEEDED');
      expect(execution.retryCount).toBeGreaterThanOrEqual(1);
      const requests = api.requestsTo('POST /records').filter((r) => r.json && (r.json as { name: string }).name === 'survive');
      const keys = new Set(requests.map((r) => r.idempotencyKey));
      expect(keys.size).toBe(1);
      expect(requests.length).toBeGreaterThanOrEqual(2);
      expect(requests.length).toBeLessThanOrEqual(4);
      expect(api.appliedEffects('POST /records').filter((r) => (r.json as { name: string }).name === 'survive')).toHaveLength(1);
    } finally {
      await rescuer.kill('SIGTERM');
      api.on('POST /records', { status: 201, json: { ok: true } });
    }
  }, 60_000);
});

describe('a worker told to stop (SIGTERM)', () => {
  it('finishes the execution in flight before it exits', async () => {
    const instance = await acmeInstance(h, org, api, 'acme-sigterm', '');
    let arrived!: () => void;
    const arrival = new Promise<void>((resolve) => (arrived = resolve));
    api.on('POST /records', async (request) => {
      if ((request.json as { name?: string })?.name === 'graceful') {
        arrived();
        await new Promise((r) => setTimeout(r, 800));
      }
      return { status: 201, json: { ok: true } };
    });
    const worker = await spawnWorker();
    try {
      const started = await postWebhook(h.app, instance.webhooks.create!, { name: 'graceful' });
      await arrival;
      await worker.kill('SIGTERM');
      const [row] = await h.database.db
        .select()
        .from(executions)
        .where(eq(executions.id, uuidOf(started.executionId!)));
      expect(row).toMatchObject({ status: 'SUCCEEDED', claims: 1, leaseOwner: worker.id });
    } finally {
      api.on('POST /records', { status: 201, json: { ok: true } });
    }
  }, 30_000);
});

describe('two worker processes', () => {
  it('share 200 executions with none run twice, and fire each schedule tick once', async () => {
    const instance = await acmeInstance(h, org, api, 'acme-two-workers', EVERY_MINUTE);
    const workers = await Promise.all([spawnWorker({ SCHEDULER_INTERVAL_MS: '200' }), spawnWorker({ SCHEDULER_INTERVAL_MS: '200' })]);
    // A little latency, as a real API has, so that both workers have work in flight at once.
    api.on('POST /records', { status: 201, json: { ok: true }, delayMs: 10 });
    try {
      const ids: string[] = [];
      for (let i = 0; i < 200; i++) ids.push(uuidOf((await postWebhook(h.app, instance.webhooks.create!, { name: `bulk-${i}` })).executionId!));
      let rows: (typeof executions.$inferSelect)[] = [];
      for (let i = 0; i < 300; i++) {
        rows = await h.database.db.select().from(executions).where(inArray(executions.id, ids));
        if (rows.every((r) => r.status === 'SUCCEEDED' || r.status === 'FAILED')) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(rows.filter((r) => r.status === 'SUCCEEDED')).toHaveLength(200);
      expect(rows.every((r) => r.claims === 1)).toBe(true);
      const byWorker = new Map<string, number>();
      for (const r of rows) byWorker.set(r.leaseOwner!, (byWorker.get(r.leaseOwner!) ?? 0) + 1);
      expect(byWorker.get(workers[0]!.id) ?? 0).toBeGreaterThan(0);
      expect(byWorker.get(workers[1]!.id) ?? 0).toBeGreaterThan(0);
      const bulk = api.requestsTo('POST /records').filter((r) => String((r.json as { name?: string })?.name).startsWith('bulk-'));
      expect(bulk).toHaveLength(200);
      expect(new Set(bulk.map((r) => r.idempotencyKey)).size).toBe(200);

      // Both processes' schedulers ran during this time; each due tick has exactly one execution.
      const instanceId = uuidOf(instance.id);
      const scheduled = await h.database.db
        .select()
        .from(executions)
        .where(and(eq(executions.instanceId, instanceId), eq(executions.invokeType, 'SCHEDULED')));
      expect(scheduled.length).toBeGreaterThanOrEqual(1);
      expect(new Set(scheduled.map((r) => r.scheduledFor!.toISOString())).size).toBe(scheduled.length);
    } finally {
      await Promise.all(workers.map((w) => w.kill('SIGTERM')));
    }
  }, 90_000);

  it('fire a schedule tick once when their schedulers race', async () => {
    const instance = await acmeInstance(h, org, api, 'acme-schedule-race', EVERY_MINUTE);
    const pools = [connectDatabase(inject('databaseUrl'), { max: 2 }), connectDatabase(inject('databaseUrl'), { max: 2 })];
    try {
      const now = new Date();
      await Promise.all(pools.map((p) => fireDueSchedules(p.db, now)));
      await Promise.all(pools.map((p) => fireDueSchedules(p.db, now)));
      const scheduled = await h.database.db
        .select()
        .from(executions)
        .where(and(eq(executions.instanceId, uuidOf(instance.id)), eq(executions.invokeType, 'SCHEDULED')));
      const tick = new Date(Math.floor(now.getTime() / 60_000) * 60_000).toISOString();
      expect(scheduled.map((r) => r.scheduledFor!.toISOString())).toEqual([tick]);
    } finally {
      await Promise.all(pools.map((p) => p.close()));
    }
  });
});
