/**
 * Start: `tenantflow serve` as `npm start` runs it (bin/tenantflow.js: the precompiled dist/,
 * embedded PostgreSQL on a data dir, API here and the worker in a child process), against the same command
 * compiled at start by tsx (how `npm start` ran before), in interleaved rounds on the same data dir. Cold: a
 * new data dir (initdb, migrations); warm: an existing one. Measured from spawn to the first answered
 * `{ __typename }`, with the CPU time the API process used until then (on a loaded machine the wall clock
 * mostly measures the queue for a core); then RSS of the API and worker processes after 5 s idle. The API
 * process's start timeline (TENANTFLOW_START_TIMELINE) is printed per phase for dist.
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

/** Linux's clock ticks per second for /proc/<pid>/stat's CPU times (USER_HZ, 100 on every mainstream build). */
const CLOCK_TICKS = 100;

function cpuMs(pid: number): number {
  // Fields after the command name (which may contain spaces): utime and stime are the 12th and 13th.
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}

/** `start-timeline <pid> <wall ms> <CPU ms> <phase>` lines of one process, by phase. */
function timelineOf(stderr: string, pid: number): Map<string, { wall: number; cpu: number }> {
  const phases = new Map<string, { wall: number; cpu: number }>();
  for (const match of stderr.matchAll(/^start-timeline (\d+) (\d+) (\d+) (.+)$/gm)) {
    if (Number(match[1]) === pid) phases.set(match[4]!, { wall: Number(match[2]), cpu: Number(match[3]) });
  }
  return phases;
}

function rssMiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
}

async function startOnce(way: Way, dataDir: string, port: number) {
  const started = Date.now();
  const child = spawn(process.execPath, [...WAYS[way]], {
    cwd: root,
    env: {
      PATH: process.env.PATH!,
      HOME: process.env.HOME!,
      DATA_DIR: dataDir,
      EMBEDDED_PG_PORT: String(port),
      PORT: '0',
      LOG_LEVEL: 'info',
      TENANTFLOW_START_TIMELINE: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
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
    const cpu = cpuMs(child.pid!);
    await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
    const workerPid = Number(/"pid":(\d+),"msg":"worker process started"/.exec(out)?.[1]);
    return { ms, cpu, apiRss: rssMiB(child.pid!), workerRss: workerPid ? rssMiB(workerPid) : NaN, timeline: timelineOf(err, child.pid!) };
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
      [`${way}: cold (new data dir)`, c.ms, c.cpu, fmt(c.apiRss), fmt(c.workerRss)],
      [
        `${way}: warm, median of ${WARM_STARTS}`,
        median(w.map((s) => s.ms)),
        median(w.map((s) => s.cpu)),
        fmt(median(w.map((s) => s.apiRss))),
        fmt(median(w.map((s) => s.workerRss))),
      ],
    ];
  });
  console.log(
    table(['start', 'to first answer (ms)', 'API CPU until then (ms)', `API RSS after ${IDLE_MS / 1000} s idle (MiB)`, 'worker RSS idle (MiB)'], rows),
  );
  const distWarm = warm.get(ways[0]!)!;
  const distCold = cold.get(ways[0]!)!;
  const phases = [...distCold.timeline.keys()];
  const at = (start: Start, phase: string, key: 'wall' | 'cpu') => start.timeline.get(phase)?.[key] ?? NaN;
  console.log(`\n${ways[0]} — API process timeline (ms since the process began):`);
  console.log(
    table(
      ['phase', 'warm wall (median)', 'warm CPU (median)', 'cold wall', 'cold CPU'],
      phases.map((phase) => [
        phase,
        median(distWarm.map((s) => at(s, phase, 'wall'))),
        median(distWarm.map((s) => at(s, phase, 'cpu'))),
        at(distCold, phase, 'wall'),
        at(distCold, phase, 'cpu'),
      ]),
    ),
  );
  const [dist, tsx] = ways.map((way) => median(warm.get(way)!.map((s) => s.ms)));
  console.log(`warm start, dist vs tsx: ${fmt(tsx! / dist!)}× faster; cold: ${fmt(cold.get(ways[1]!)!.ms / cold.get(ways[0]!)!.ms)}× faster`);
  console.log('targets: warm < 1,000 ms, cold < 3,000 ms, RSS idle < 150 MiB');
}
