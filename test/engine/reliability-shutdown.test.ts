import { inArray } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { executions } from '../../src/db/tables';
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
});
afterAll(async () => {
  await api.close();
  await h.close();
});

const LEASE_MS = 20_000;
const nameOf = (r: { json?: unknown }) => (r.json as { name?: string })?.name ?? '';

it('a stopping worker lets its in-flight steps finish, hands the runs back, and another worker resumes them at once', async () => {
  const instance = await acmeInstance(h, org, api, 'rel-drain');
  const names = ['drain-a', 'drain-b', 'drain-c', 'drain-d'];
  let arrivals = 0;
  let allArrived!: () => void;
  const inFlight = new Promise<void>((resolve) => (allArrived = resolve));
  api.on('POST /records', async (request) => {
    // The first step of each run is slow, so the stop comes while all four are in it.
    if (nameOf(request).startsWith('drain-') && nameOf(request).endsWith('-1')) {
      if (++arrivals === names.length) allArrived();
      await new Promise((r) => setTimeout(r, 1_000));
    }
    return { status: 201, json: { ok: true } };
  });
  const first = await startTestWorker({ leaseMs: LEASE_MS, stepTimeoutMs: 5_000, shutdownDrainMs: 5_000, workerConcurrency: 4 });
  const ids: string[] = [];
  for (const name of names) ids.push(uuidOf((await postWebhook(h.app, instance.webhooks.twice!, { name })).executionId!));
  await inFlight;

  const stoppedAt = Date.now();
  await first.stop();
  expect(Date.now() - stoppedAt).toBeLessThan(5_000);
  const handedBack = await h.database.db.select().from(executions).where(inArray(executions.id, ids));
  for (const row of handedBack) {
    // Not finished here, not held either: the second step was left to the next worker.
    expect(row).toMatchObject({ status: 'RUNNING', leaseOwner: null, claims: 1 });
    expect(row.leaseUntil!.getTime()).toBeLessThanOrEqual(Date.now());
  }

  const second = await spawnWorker({ EXECUTION_LEASE_MS: String(LEASE_MS), STEP_TIMEOUT_MS: '5000' });
  try {
    let rows = handedBack;
    while (rows.some((r) => r.status !== 'SUCCEEDED') && Date.now() - stoppedAt < LEASE_MS / 2) {
      await new Promise((r) => setTimeout(r, 50));
      rows = await h.database.db.select().from(executions).where(inArray(executions.id, ids));
    }
    // Well before the 20 s lease would have run out.
    expect(rows.map((r) => r.status)).toEqual(names.map(() => 'SUCCEEDED'));
    expect(rows.every((r) => r.claims === 2 && r.leaseOwner === second.id)).toBe(true);
    const sent = api.requestsTo('POST /records').map(nameOf);
    for (const name of names) {
      // Nothing repeated: the step that finished during the drain is replayed from its stored result.
      expect(sent.filter((n) => n === `${name}-1`)).toHaveLength(1);
      expect(sent.filter((n) => n === `${name}-2`)).toHaveLength(1);
    }
  } finally {
    await second.kill('SIGTERM');
  }
}, 30_000);
