/**
 * Start (issue 14): `tenantflow serve` as `npm start` runs it (bin/tenantflow.js: the precompiled dist/,
 * embedded PostgreSQL on a data dir, API here and the worker in a child process), against the same command
 * compiled at start by tsx (how `npm start` ran before), in interleaved rounds on the same data dir. Cold: a
 * new data dir (initdb, migrations); warm: an existing one. Measured from spawn to the first answered
 * `{ __typename }`; then RSS of the API and worker processes after 5 s idle.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBuilt } from '../scripts/build.js';
import { BenchmarkFailure, fmt, median, table, type BenchEnv } from './support';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const WARM_STARTS = 3;
const IDLE_MS = 5_000;
const WAYS = {
  'dist (node bin/tenantflow.js serve)': ['bin/tenantflow.js', 'serve'],
  'tsx (node --import tsx src/cli/index.ts serve)': ['--import', 'tsx', 'src/cli/index.ts', 'serve'],
} as const;
type Way = keyof typeof WAYS;

function rssMiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
}

async function startOnce(way: Way, dataDir: string, port: number) {
  const started = Date.now();
  const child = spawn(process.execPath, [...WAYS[way]], {
    cwd: root,
    env: { PATH: process.env.PATH!, HOME: process.env.HOME!, DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(port), PORT: '0', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', () => {});
  try {
    let url: string | undefined;
    let answered = false;
    for (const deadline = Date.now() + 120_000; !answered && Date.now() < deadline;) {
      url ??= /"url":"(http:\/\/[^"]+)\/api"/.exec(out)?.[1];
      if (url) {
        answered = await fetch(`${url}/api`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' })
          .then((r) => r.ok)
          .catch(() => false);
      }
      if (child.exitCode !== null) throw new BenchmarkFailure(`${way} exited ${child.exitCode}`);
      if (!answered) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    if (!answered) throw new BenchmarkFailure(`${way} did not answer within 120 s`);
    const ms = Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
    const workerPid = Number(/"pid":(\d+),"msg":"worker process started"/.exec(out)?.[1]);
    return { ms, apiRss: rssMiB(child.pid!), workerRss: workerPid ? rssMiB(workerPid) : NaN };
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

type Start = Awaited<ReturnType<typeof startOnce>>;

export async function run(_env: BenchEnv) {
  await ensureBuilt();
  const ways = Object.keys(WAYS) as Way[];
  const cold = new Map<Way, Start>();
  const warm = new Map<Way, Start[]>(ways.map((way) => [way, []]));
  const dataDirs: string[] = [];
  try {
    for (const way of ways) {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantflow-start-'));
      dataDirs.push(dataDir);
      cold.set(way, await startOnce(way, dataDir, 40000 + Math.floor(Math.random() * 20000)));
    }
    // Interleaved, on one existing data dir: load on the machine affects both ways alike.
    const port = 40000 + Math.floor(Math.random() * 20000);
    for (let i = 0; i < WARM_STARTS; i++) for (const way of ways) warm.get(way)!.push(await startOnce(way, dataDirs[0]!, port));
  } finally {
    for (const dataDir of dataDirs) fs.rmSync(dataDir, { recursive: true, force: true });
  }
  const rows = ways.flatMap((way) => {
    const w = warm.get(way)!;
    const c = cold.get(way)!;
    return [
      [`${way}: cold (new data dir)`, c.ms, fmt(c.apiRss), fmt(c.workerRss)],
      [`${way}: warm, median of ${WARM_STARTS}`, median(w.map((s) => s.ms)), fmt(median(w.map((s) => s.apiRss))), fmt(median(w.map((s) => s.workerRss)))],
    ];
  });
  console.log(table(['start', 'to first answer (ms)', `API RSS after ${IDLE_MS / 1000} s idle (MiB)`, 'worker RSS idle (MiB)'], rows));
  const [dist, tsx] = ways.map((way) => median(warm.get(way)!.map((s) => s.ms)));
  console.log(`warm start, dist vs tsx: ${fmt(tsx! / dist!)}× faster; cold: ${fmt(cold.get(ways[1]!)!.ms / cold.get(ways[0]!)!.ms)}× faster`);
  console.log('targets: warm < 1,000 ms, cold < 3,000 ms, RSS idle < 150 MiB');
}
