import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres } from '../../src/db/embedded-postgres';
import { createLogger } from '../../src/log';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantflow-embedded-'));
const port = 40000 + Math.floor(Math.random() * 20000);
const log = createLogger('silent');
const stops: (() => Promise<void>)[] = [];

afterAll(async () => {
  for (const stop of stops.reverse()) await stop().catch(() => {});
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function answers(url: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query('select 42 as n')).rows[0].n;
  } finally {
    await client.end();
  }
}

describe('embedded PostgreSQL', () => {
  it('starts on a fresh data dir, is attached to by a second process, and survives a killed postmaster', async () => {
    const first = await startEmbeddedPostgres({ dataDir, port, log });
    expect(await answers(first.url)).toBe(42);

    // A second tenantflow process (e.g. `tenantflow token create` beside `npm start`) attaches instead of failing.
    const second = await startEmbeddedPostgres({ dataDir, port: port + 1, log });
    expect(second.url).toBe(first.url);

    // A killed server leaves postmaster.pid behind; the next start must clean it up rather than refuse.
    const pidFile = path.join(dataDir, 'postgres', 'postmaster.pid');
    const pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
    process.kill(pid, 'SIGKILL');
    for (let i = 0; i < 50; i++) {
      try {
        process.kill(pid, 0);
        await new Promise((r) => setTimeout(r, 100));
      } catch {
        break;
      }
    }
    expect(fs.existsSync(pidFile)).toBe(true);
    // Orphaned backends of the killed postmaster keep the shared memory segment; they exit on their own.
    execFileSync('sh', ['-c', `pkill -9 -f "[p]ostgres -D ${path.join(dataDir, 'postgres')}" || true`]);
    const restarted = await startEmbeddedPostgres({ dataDir, port, log });
    stops.push(restarted.stop);
    expect(await answers(restarted.url)).toBe(42);
  }, 60_000);
});
