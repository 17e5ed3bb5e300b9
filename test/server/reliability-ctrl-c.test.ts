import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { connectDatabase } from '../../src/db/client';
import { startEmbeddedPostgres } from '../../src/db/embedded-postgres';
import { isAlive } from '../../src/db/local-processes';
import { executions, stepResults } from '../../src/db/tables';
import { createLogger } from '../../src/log';
import { startFakeApi, type FakeApi } from '../fakes/fake-api';
import { createHarness } from '../support/harness';
import { postWebhook } from '../support/integrations';
import { seedOrg } from '../support/seed';
import { acmeInstance, uuidOf } from '../support/worker-reliability';
import { embeddedDatabaseUrl, listeningUrl, runCli, stderrLines, untilLogged } from './reliability-process';

// A `serve` of its own (API + worker process + embedded PostgreSQL), so its worker runs only this test's run.
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantflow-ctrl-c-'));
const pgPort = 40000 + Math.floor(Math.random() * 20000);
const pidFile = path.join(dataDir, 'postgres', 'postmaster.pid');
let api: FakeApi;

beforeAll(async () => {
  api = await startFakeApi({ idempotency: true });
});
afterAll(async () => {
  await api.close();
  if (fs.existsSync(pidFile)) process.kill(Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]), 'SIGKILL');
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const nameOf = (r: { json?: unknown }) => (r.json as { name?: string })?.name ?? '';
const STEP_MS = 1_500;

it('Ctrl-C (SIGINT to the whole process group) lets the step in flight finish, stops PostgreSQL last and exits 0', async () => {
  const env = {
    DATA_DIR: dataDir,
    EMBEDDED_PG_PORT: String(pgPort),
    PORT: '0',
    TENANTFLOW_MASTER_KEY: inject('masterKey'),
    EGRESS_ALLOW: '127.0.0.1',
  };
  // In a process group of its own, like a server started in a terminal: the signal below goes to the group.
  const serve = runCli(['serve'], env, { detached: true });
  try {
    await listeningUrl(serve, 60_000);
    await untilLogged(serve, 'worker started', 60_000);
    const h = createHarness({ databaseUrl: embeddedDatabaseUrl(dataDir, pgPort) });
    let executionId: string;
    try {
      const org = await seedOrg(h.database.db);
      const instance = await acmeInstance(h, org, api, 'ctrl-c');
      let arrived!: () => void;
      const arrival = new Promise<void>((resolve) => (arrived = resolve));
      api.on('POST /records', async (request) => {
        if (nameOf(request) === 'ctrl-c-1') {
          arrived();
          await new Promise((r) => setTimeout(r, STEP_MS));
        }
        return { status: 201, json: { ok: true } };
      });
      executionId = uuidOf((await postWebhook(h.app, instance.webhooks.twice!, { name: 'ctrl-c' })).executionId!);
      await arrival;
    } finally {
      await h.close();
    }
    const postmaster = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
    process.kill(-serve.child.pid!, 'SIGINT');

    expect(await serve.exited).toBe(0);
    expect(stderrLines(serve)).toEqual([]);
    // Before, PostgreSQL got the SIGINT too and cut the worker's connections under the step in flight.
    expect(serve.stdout()).not.toContain('terminating connection');
    expect(serve.stdout()).not.toContain('database error during the run');
    expect(isAlive(postmaster)).toBe(false);
    expect(fs.existsSync(pidFile)).toBe(false);
    const first = api.requestsTo('POST /records').filter((r) => nameOf(r) === 'ctrl-c-1');
    expect(first.map((r) => r.answered)).toEqual([201]);
    expect(api.requestsTo('POST /records').filter((r) => nameOf(r) === 'ctrl-c-2')).toEqual([]);

    // The database, started again: the finished step was stored (the database was still up after the
    // signal) and the run was handed back for the next worker, not left leased to the stopped one.
    const postgres = await startEmbeddedPostgres({ dataDir, port: pgPort, log: createLogger('silent') });
    const database = connectDatabase(postgres.url, { max: 1 });
    try {
      const [row] = await database.db.select().from(executions).where(eq(executions.id, executionId));
      expect(row).toMatchObject({ status: 'RUNNING', leaseOwner: null, claims: 1 });
      const stored = await database.db.select().from(stepResults).where(eq(stepResults.executionId, executionId));
      expect(stored.map((r) => r.stepName)).toEqual(['First']);
    } finally {
      await database.close();
      await postgres.stop();
    }
  } finally {
    if (serve.child.exitCode === null) serve.child.kill('SIGKILL');
  }
}, 120_000);
