/**
 * Start (issue 14): `tenantflow serve` as `npm start` runs it (node --import tsx, embedded PostgreSQL on a
 * data dir, API here and the worker in a child process). Cold: a new data dir (initdb, migrations); warm: the
 * same data dir again. Measured from spawn to the first answered `{ __typename }`; then RSS of the API and
 * worker processes after 5 s idle. Also the import time of the server's modules through tsx, in a child.
 */
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BenchmarkFailure, fmt, median, table, type BenchEnv } from './support';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const WARM_STARTS = 3;

function rssMiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
}

async function startOnce(dataDir: string, port: number) {
  const started = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', 'serve'], {
    cwd: root,
    env: { PATH: process.env.PATH!, HOME: process.env.HOME!, DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(port), PORT: '0', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', () => {});
  try {
    let url: string | undefined;
    for (const deadline = Date.now() + 120_000; Date.now() < deadline;) {
      url ??= /"url":"(http:\/\/[^"]+)\/api"/.exec(out)?.[1];
      if (url) {
        const answered = await fetch(`${url}/api`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' })
          .then((r) => r.ok)
          .catch(() => false);
        if (answered) break;
      }
      if (child.exitCode !== null) throw new BenchmarkFailure(`serve exited ${child.exitCode}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const ms = Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    const workerPid = Number(/"pid":(\d+),"msg":"worker process started"/.exec(out)?.[1]);
    return { ms, apiRss: rssMiB(child.pid!), workerRss: workerPid ? rssMiB(workerPid) : NaN };
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

export async function run(_env: BenchEnv) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantflow-start-'));
  const port = 40000 + Math.floor(Math.random() * 20000);
  try {
    const cold = await startOnce(dataDir, port);
    const warm = [];
    for (let i = 0; i < WARM_STARTS; i++) warm.push(await startOnce(dataDir, port));
    const imports = execFileSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        `const t = performance.now(); await import('./src/schema/index.ts'); await import('./src/http/app.ts'); await import('./src/execution/worker.ts'); console.log(performance.now() - t)`,
      ],
      { cwd: root, encoding: 'utf8' },
    );
    const nodeAlone = execFileSync(process.execPath, ['-e', 'console.log(performance.now())'], { encoding: 'utf8' });
    console.log(
      table(
        ['start', 'to first answer (ms)', 'API RSS idle (MiB)', 'worker RSS idle (MiB)'],
        [
          ['cold (new data dir)', cold.ms, fmt(cold.apiRss), fmt(cold.workerRss)],
          [
            `warm (existing data dir), median of ${WARM_STARTS}`,
            median(warm.map((w) => w.ms)),
            fmt(median(warm.map((w) => w.apiRss))),
            fmt(median(warm.map((w) => w.workerRss))),
          ],
        ],
      ),
    );
    console.log(`import of schema + http app + worker modules through tsx: ${fmt(Number(imports), 0)} ms; node's own start: ${fmt(Number(nodeAlone), 0)} ms`);
    console.log('targets: warm < 1,000 ms, cold < 3,000 ms, RSS idle < 150 MiB');
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
