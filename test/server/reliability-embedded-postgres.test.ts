import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres } from '../../src/db/embedded-postgres';
import { isAlive } from '../../src/db/local-processes';
import { createLogger } from '../../src/log';
import { listeningUrl, runCli, stderrLines, type CliProcess } from './reliability-process';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantflow-owner-'));
const pgPort = 40000 + Math.floor(Math.random() * 20000);
const env = { DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(pgPort), PORT: '0' };
const pidFile = path.join(dataDir, 'postgres', 'postmaster.pid');
const started: CliProcess[] = [];

afterAll(async () => {
  for (const cli of started) cli.child.kill('SIGKILL');
  if (fs.existsSync(pidFile)) process.kill(Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]), 'SIGKILL');
  fs.rmSync(dataDir, { recursive: true, force: true });
});

function serve() {
  const cli = runCli(['serve', '--no-worker'], env);
  started.push(cli);
  return cli;
}

const postmasterPid = () => Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);

async function queryAnswers() {
  const password = fs.readFileSync(path.join(dataDir, 'postgres-password'), 'utf8').trim();
  const client = new pg.Client({ host: '127.0.0.1', port: pgPort, user: 'tenantflow', password, database: 'tenantflow' });
  await client.connect();
  try {
    return (await client.query('select count(*)::int as n from organizations')).rows[0].n as number;
  } finally {
    await client.end();
  }
}

async function stop(cli: CliProcess) {
  cli.child.kill('SIGTERM');
  return cli.exited;
}

describe('embedded PostgreSQL shared by several processes', { timeout: 180_000 }, () => {
  it('a busy port refuses at once with one line and leaves the data dir usable for the next start', async () => {
    const squatter = net.createServer();
    await new Promise<void>((resolve) => squatter.listen(pgPort, '127.0.0.1', resolve));
    try {
      const refused = serve();
      const startedAt = Date.now();
      expect(await refused.exited).toBe(1);
      const lines = stderrLines(refused);
      expect(lines).toEqual([
        `The embedded PostgreSQL cannot start: port ${pgPort} is in use by process ${process.pid} (${fs.readFileSync('/proc/self/comm', 'utf8').trim()}); set EMBEDDED_PG_PORT to a free port (or DATABASE_URL to use another PostgreSQL).`,
      ]);
      // Measured from the process start, which includes loading the TypeScript sources (slow on a busy machine).
      expect(Date.now() - startedAt).toBeLessThan(30_000);
      // The refusal itself, without that load: well under 3 seconds.
      const refusedAt = Date.now();
      await expect(startEmbeddedPostgres({ dataDir, port: pgPort, log: createLogger('silent') })).rejects.toThrow(`port ${pgPort} is in use`);
      expect(Date.now() - refusedAt).toBeLessThan(3_000);
      expect(fs.existsSync(path.join(dataDir, 'postgres'))).toBe(false);
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });

  it('the last process out stops it; stopping the first leaves the second serving', async () => {
    const first = serve();
    const firstUrl = await listeningUrl(first, 120_000);
    const second = serve();
    const secondUrl = await listeningUrl(second, 60_000);
    const postmaster = postmasterPid();

    expect(await stop(first)).toBe(0);
    expect(stderrLines(first)).toEqual([]);
    await expect(fetch(`${firstUrl}/readyz`)).rejects.toThrow();
    expect((await fetch(`${secondUrl}/readyz`)).status).toBe(200);
    expect(await queryAnswers()).toBeGreaterThan(0);
    expect(isAlive(postmaster)).toBe(true);

    expect(await stop(second)).toBe(0);
    expect(fs.existsSync(pidFile)).toBe(false);
    expect(isAlive(postmaster)).toBe(false);
  });

  it('a postmaster left by a killed owner is adopted by the next start and stopped at its end', async () => {
    const owner = serve();
    await listeningUrl(owner, 60_000);
    const postmaster = postmasterPid();
    owner.child.kill('SIGKILL');
    await owner.exited;
    expect(isAlive(postmaster)).toBe(true);

    const next = serve();
    await listeningUrl(next, 60_000);
    expect(postmasterPid()).toBe(postmaster);
    expect(await queryAnswers()).toBeGreaterThan(0);
    expect(await stop(next)).toBe(0);
    expect(fs.existsSync(pidFile)).toBe(false);
    expect(isAlive(postmaster)).toBe(false);
  });

  it('SIGTERM to `npm start` stops the server, its worker process and then PostgreSQL, and exits 0', async () => {
    const npm = spawn('npm', ['start', '--silent'], {
      cwd: path.resolve(import.meta.dirname, '../..'),
      env: { PATH: process.env.PATH!, HOME: process.env.HOME!, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    npm.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => npm.once('exit', (code) => resolve(code)));
    for (let i = 0; i < 1200 && !/"msg":"worker started"/.test(out); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    const workerPid = Number(/"pid":(\d+),"msg":"worker process started"/.exec(out)?.[1]);
    expect(isAlive(workerPid)).toBe(true);
    const postmaster = postmasterPid();
    npm.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(isAlive(workerPid)).toBe(false);
    expect(fs.existsSync(pidFile)).toBe(false);
    expect(isAlive(postmaster)).toBe(false);
  });
});
