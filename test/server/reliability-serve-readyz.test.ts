import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, inject, it } from 'vitest';
import { isAlive } from '../../src/db/local-processes';
import { listeningUrl, runCli, type CliProcess } from './reliability-process';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantflow-readyz-'));
const pidFile = path.join(dataDir, 'postgres', 'postmaster.pid');
let serve: CliProcess | undefined;

afterAll(() => {
  if (serve?.child.exitCode === null) serve.child.kill('SIGKILL');
  for (const pid of workerPids()) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  if (fs.existsSync(pidFile)) process.kill(Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]), 'SIGKILL');
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** The worker processes `serve` started, in order, from its log. */
const workerPids = () => [...(serve?.stdout() ?? '').matchAll(/"pid":(\d+),"msg":"worker process started"/g)].map((m) => Number(m[1]));

/** Polls /readyz (bounded) until it answers `status`; returns the body of that answer. */
async function readyzUntil(url: string, status: number, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await fetch(`${url}/readyz`);
    const body = (await response.json()) as { status: string };
    if (response.status === status) return body;
    if (Date.now() > deadline) throw new Error(`/readyz still ${response.status} ${JSON.stringify(body)} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

it('/readyz of `serve` is 503 while its worker process is down and 200 again once the supervisor restarted it', async () => {
  serve = runCli(['serve'], {
    DATA_DIR: dataDir,
    EMBEDDED_PG_PORT: String(40000 + Math.floor(Math.random() * 20000)),
    PORT: '0',
    TENANTFLOW_MASTER_KEY: inject('masterKey'),
  });
  const url = await listeningUrl(serve, 60_000);
  // Ready only once the worker process reports that its job queue runs (it loads for seconds after the API).
  expect(await readyzUntil(url, 200, 60_000)).toEqual({ status: 'ready' });
  expect(serve.stdout()).toContain('"msg":"worker started"');

  const [first] = workerPids();
  process.kill(first!, 'SIGKILL');
  const killedAt = Date.now();
  expect(await readyzUntil(url, 503, 5_000)).toEqual({ status: 'worker unavailable' });
  // Noticed when the process exits, not on a timer.
  expect(Date.now() - killedAt).toBeLessThan(2_000);

  expect(await readyzUntil(url, 200, 60_000)).toEqual({ status: 'ready' });
  const restarted = workerPids();
  expect(restarted).toHaveLength(2);
  expect(isAlive(restarted[1]!)).toBe(true);

  serve.child.kill('SIGTERM');
  expect(await serve.exited).toBe(0);
  expect(isAlive(restarted[1]!)).toBe(false);
}, 150_000);
