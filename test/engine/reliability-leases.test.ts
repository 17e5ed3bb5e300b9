import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { executions } from '../../src/db/tables';
import { JOB_QUEUE_SCHEMA } from '../../src/domain/executions/job-queue';
import { startFakeApi, type FakeApi } from '../fakes/fake-api';
import { createHarness, type Harness } from '../support/harness';
import { postWebhook } from '../support/integrations';
import { seedOrg, type SeededOrg } from '../support/seed';
import { spawnWorker, startTestWorker } from '../support/worker';
import { acmeInstance, uuidOf } from '../support/worker-reliability';

let h: Harness;
let org: SeededOrg;
let api: FakeApi;

beforeAll(async () => {
  h = createHarness();
  org = await seedOrg(h.database.db);
  api = await startFakeApi({ idempotency: true });
  api.on('POST /records', { status: 201, json: { ok: true } });
});
afterAll(async () => {
  await api.close();
  await h.close();
});

const rowOf = async (id: string) => (await h.database.db.select().from(executions).where(eq(executions.id, id)))[0]!;

async function waitForEnd(id: string, withinMs: number) {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const row = await rowOf(id);
    if (row.status === 'SUCCEEDED' || row.status === 'FAILED' || Date.now() > deadline) return row;
    await new Promise((r) => setTimeout(r, 50));
  }
}

it('a worker that died between locking the job and claiming the execution: another completes it within twice the lease', async () => {
  const instance = await acmeInstance(h, org, api, 'rel-locked');
  const started = await postWebhook(h.app, instance.webhooks.create!, { name: 'locked-by-dead' });
  const id = uuidOf(started.executionId!);
  // What a worker killed right after graphile-worker's get_job leaves behind: the job locked, the row QUEUED.
  const locked = await h.database.db.execute(
    sql`update ${sql.identifier(JOB_QUEUE_SCHEMA)}._private_jobs set locked_at = now(), locked_by = 'dead-worker' where payload->>'executionId' = ${id} returning id`,
  );
  expect(locked.rows).toHaveLength(1);
  const lockedAt = Date.now();
  const leaseMs = 2_000;
  const worker = await startTestWorker({ leaseMs, stepTimeoutMs: 1_500 });
  try {
    const row = await waitForEnd(id, 3 * leaseMs);
    expect(row.status).toBe('SUCCEEDED');
    expect(row.endedAt!.getTime() - lockedAt).toBeLessThan(2 * leaseMs);
    expect(api.appliedEffects('POST /records').filter((r) => (r.json as { name: string }).name === 'locked-by-dead')).toHaveLength(1);
  } finally {
    await worker.stop();
  }
}, 20_000);

it('a step slower than the lease (two long attempts and a Retry-After wait) keeps its lease: each attempt sent once, and it succeeds', async () => {
  const instance = await acmeInstance(h, org, api, 'rel-slow');
  let arrived!: () => void;
  const arrival = new Promise<void>((resolve) => (arrived = resolve));
  let attempts = 0;
  api.on('POST /records', async (request) => {
    if ((request.json as { name?: string })?.name !== 'slow') return { status: 201, json: { ok: true } };
    // Each attempt takes most of the lease; the first is answered 503 with a Retry-After of a second.
    attempts++;
    arrived();
    await new Promise((r) => setTimeout(r, 3_000));
    return attempts === 1 ? { status: 503, headers: { 'retry-after': '1' }, json: { busy: true } } : { status: 201, json: { ok: true } };
  });
  // Two workers, each eager to take an execution whose lease has passed.
  const env = { EXECUTION_LEASE_MS: '4000', STEP_TIMEOUT_MS: '3900' };
  const workers = await Promise.all([spawnWorker(env), spawnWorker(env)]);
  try {
    const started = await postWebhook(h.app, instance.webhooks.create!, { name: 'slow' });
    const id = uuidOf(started.executionId!);
    await arrival;
    const startedAt = Date.now();
    const leaseAtArrival = (await rowOf(id)).leaseUntil!.getTime();
    await new Promise((r) => setTimeout(r, 2_500));
    // Renewed during the call (not only between steps): later than the lease seen when the call started.
    expect((await rowOf(id)).leaseUntil!.getTime()).toBeGreaterThan(leaseAtArrival);
    const row = await waitForEnd(id, 15_000);
    // The step took longer than a lease (3 s + 1 s + 3 s against 4 s), and no other worker took it meanwhile.
    expect(row.endedAt!.getTime() - startedAt).toBeGreaterThan(4_000);
    expect(row).toMatchObject({ status: 'SUCCEEDED', claims: 1 });
    const sent = api.requestsTo('POST /records').filter((r) => (r.json as { name: string }).name === 'slow');
    expect(sent.map((r) => r.answered)).toEqual([503, 201]);
    expect(new Set(sent.map((r) => r.idempotencyKey)).size).toBe(1);
  } finally {
    await Promise.all(workers.map((w) => w.kill('SIGTERM')));
    api.on('POST /records', { status: 201, json: { ok: true } });
  }
}, 40_000);
