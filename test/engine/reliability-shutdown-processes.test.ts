import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inArray } from 'drizzle-orm';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { executions } from '../../src/db/tables';
import { startFakeApi, type FakeApi } from '../fakes/fake-api';
import { createHarness, type Harness } from '../support/harness';
import { postWebhook } from '../support/integrations';
import { seedOrg, type SeededOrg } from '../support/seed';
import { acmeInstance, uuidOf } from '../support/worker-reliability';
import { runCli, stderrLines, untilLogged, type CliProcess } from '../server/reliability-process';

let h: Harness;
let org: SeededOrg;
let api: FakeApi;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantflow-sigterm-'));
const workers: CliProcess[] = [];

beforeAll(async () => {
  h = createHarness();
  org = await seedOrg(h.database.db);
  api = await startFakeApi({ idempotency: true });
});
afterAll(async () => {
  for (const worker of workers) if (worker.child.exitCode === null) worker.child.kill('SIGKILL');
  await api.close();
  await h.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const RUNS = 50;
// Generous: the first steps wait at the gate while the second process loads (seconds on a busy machine),
// and a step attempt that timed out would be sent again. "At once" is measured against this lease.
const LEASE_MS = 90_000;
const RESUMED_WITHIN_MS = 15_000;
const DRAIN_MS = 5_000;
const nameOf = (r: { json?: unknown }) => (r.json as { name?: string })?.name ?? '';

/** A real `tenantflow worker` process on the test database; resolves with its worker id once it takes jobs. */
async function startWorkerProcess(): Promise<{ cli: CliProcess; id: string }> {
  const cli = runCli(['worker'], {
    DATABASE_URL: inject('databaseUrl'),
    TENANTFLOW_MASTER_KEY: inject('masterKey'),
    DATA_DIR: dataDir,
    EGRESS_ALLOW: '127.0.0.1',
    WORKER_CONCURRENCY: String(RUNS),
    EXECUTION_LEASE_MS: String(LEASE_MS),
    STEP_TIMEOUT_MS: String(LEASE_MS - 10_000),
    SHUTDOWN_DRAIN_MS: String(DRAIN_MS),
  });
  workers.push(cli);
  await untilLogged(cli, 'worker started', 60_000);
  return { cli, id: /"workerId":"([^"]+)","concurrency":\d+,"msg":"worker started"/.exec(cli.stdout())![1]! };
}

it(`SIGTERM to a worker process with ${RUNS} runs in flight: exit 0 within the drain, nothing repeated, another process resumes the rest at once`, async () => {
  const instance = await acmeInstance(h, org, api, 'rel-sigterm-50');
  // The first step of every run waits at this gate, so the signal comes while all of them are in it.
  let openGate!: () => void;
  const gate = new Promise<void>((resolve) => (openGate = resolve));
  let waiting = 0;
  let allWaiting!: () => void;
  const allInFlight = new Promise<void>((resolve) => (allWaiting = resolve));
  api.on('POST /records', async (request) => {
    if (nameOf(request).endsWith('-1')) {
      if (++waiting === RUNS) allWaiting();
      await gate;
    }
    return { status: 201, json: { ok: true } };
  });

  const first = await startWorkerProcess();
  const names = Array.from({ length: RUNS }, (_, i) => `sigterm-${i}`);
  const ids: string[] = [];
  for (const name of names) ids.push(uuidOf((await postWebhook(h.app, instance.webhooks.twice!, { name })).executionId!));
  await allInFlight;
  // Started now, it finds nothing to take: every execution is claimed by the first process.
  const second = await startWorkerProcess();

  const signalledAt = Date.now();
  first.cli.child.kill('SIGTERM');
  // The steps in flight answer a second into the drain.
  setTimeout(openGate, 1_000);
  expect(await first.cli.exited).toBe(0);
  const exitMs = Date.now() - signalledAt;
  expect(exitMs).toBeLessThan(DRAIN_MS + 1_500);
  expect(stderrLines(first.cli)).toEqual([]);

  let rows = await h.database.db.select().from(executions).where(inArray(executions.id, ids));
  while (rows.some((r) => r.status !== 'SUCCEEDED') && Date.now() - signalledAt < RESUMED_WITHIN_MS) {
    await new Promise((r) => setTimeout(r, 100));
    rows = await h.database.db.select().from(executions).where(inArray(executions.id, ids));
  }
  // All resumed by the second process, long before the first one's leases would have run out.
  expect(Date.now() - signalledAt).toBeLessThan(RESUMED_WITHIN_MS);
  expect(rows.map((r) => r.status)).toEqual(ids.map(() => 'SUCCEEDED'));
  expect(rows.every((r) => r.claims === 2 && r.leaseOwner === second.id)).toBe(true);

  // Nothing repeated: every request went out once (the first step was stored during the drain and replayed
  // from there), so every Idempotency-Key was sent, and its effect applied, exactly once.
  const sent = api.requestsTo('POST /records').filter((r) => nameOf(r).startsWith('sigterm-'));
  expect(sent).toHaveLength(2 * RUNS);
  expect(new Set(sent.map(nameOf)).size).toBe(2 * RUNS);
  expect(new Set(sent.map((r) => r.idempotencyKey)).size).toBe(2 * RUNS);
  expect(sent.every((r) => r.effectApplied && !r.replayed)).toBe(true);

  second.cli.child.kill('SIGTERM');
  expect(await second.cli.exited).toBe(0);
  console.log(`first worker exited ${exitMs} ms after SIGTERM (drain ${DRAIN_MS} ms)`);
}, 120_000);
