/**
 * Execution throughput: 1,000 webhook executions of a one-step flow (`acme-api/create-record` against a fake
 * API on 127.0.0.1), sent as real HTTP POSTs to /webhooks/<token>, 16 in flight, and run by one worker
 * (`startWorker` with the production engine settings of `loadConfig({}).engine`: WORKER_CONCURRENCY 4, a
 * 30 s lease, 30 s step timeout, 4 attempts) on its own pool of WORKER_DATABASE_POOL_SIZE connections, as
 * `npm start` runs them (the API keeps its pool of 10). Figures: executions/s = 1,000 ÷ (last `ended_at` − first POST sent), and p50/p99 of
 * trigger-to-completion = the execution's `ended_at` − the moment the client sent its POST (both are
 * `Date.now()` of this one process: the worker stamps `ended_at` with `new Date()`), so the figures do not
 * depend on how often completion is polled.
 *
 * Baseline, same run: a plain loop that makes the same 1,000 HTTP calls (POST /records with the same
 * headers and body shape, a fresh Idempotency-Key each) directly to the fake API with global fetch (the
 * engine sends through its own undici client; security-overhead.bench.ts measures it), 16 in flight: the cost of the upstream call alone, without webhook, queue,
 * credential or bookkeeping. Three rounds (one before, two after the engine run); the median counts.
 * Ratio = executions/s ÷ plain calls/s.
 *
 * Also printed: the parts of trigger-to-completion (POST → 202, queued, running, from the executions row's
 * created_at/started_at/ended_at), the engine's rate once the last webhook was accepted, and where the CPU
 * went during the run (the machine, this Node process, its event loop).
 *
 * Then, with the measured worker stopped, a few executions run one at a time on a dedicated server and
 * worker whose SQL statements are counted (`connectDatabase`'s `onQuery` hook).
 */
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { run as runJobs, runMigrations as runJobMigrations, Logger as JobLogger } from 'graphile-worker';
import pg from 'pg';
import { loadConfig } from '../src/config';
import { connectDatabase } from '../src/db/client';
import { decodeGlobalId } from '../src/lib/global-id';
import { startFakeApi, type RecordedRequest } from '../test/fakes/fake-api';
import { acmeRecordDefinition } from '../test/support/integrations';
import { BenchmarkFailure, deployAcmeFlow, fmt, listStatements, runPool, seedOrganization, table, type BenchEnv } from './support';

const EXECUTIONS = 1_000;
/** Webhook POSTs (and plain calls) in flight. */
const IN_FLIGHT = 16;
/** Executions and plain calls before the measured runs, to warm both paths (not measured). */
const WARMUP = 50;
const BASELINE_ROUNDS = 3;
/** Executions run one at a time on a server and worker that count SQL statements. */
const COUNTED = 5;
/** How long an idle worker's statements are counted. */
const IDLE_MS = 6_000;
/** The plain graphile-worker baseline's own queue schema (never tenantflow's). */
const PLAIN_JOBS_SCHEMA = 'bench_plain_jobs';
const TUNED_JOBS_SCHEMA = 'bench_tuned_jobs';
/** graphile-worker's batched job completion, for the second jobs baseline (tenantflow's worker does not use it: see worker.ts). */
const BATCHED_COMPLETION = { worker: { completeJobBatchDelay: 50, failJobBatchDelay: 50 } };
/**
 * How often the executions table is asked which of the pending executions have ended. The figures come from
 * the rows' ended_at, not from when the poll saw them, so a slower poll only spares PostgreSQL the work
 * (at 50 ms, 1,000 pending ids cost it more than the runs' own statements on a loaded machine).
 */
const POLL_MS = 250;

/** No run may hang the benchmark: every wait gives up after this. */
const DEADLINE_MS = 180_000;
const API_KEY = 'ak_bench_executions_0123456789';

const DEFINITION = acmeRecordDefinition({ stableKey: 'bench-execution-throughput', connectionStableKey: 'acme-api-key' });

type Sent = { executionId: string; sentAt: number; acceptedMs: number };
type Ended = { id: string; status: string; created_at: Date; started_at: Date | null; ended_at: Date | null };

const percentile = (values: number[], p: number) => {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};
const ms = (value: number) => fmt(value, 1);
const sleep = (millis: number) => new Promise((resolve) => setTimeout(resolve, millis));

/** Busy and total jiffies of all CPUs (/proc/stat), to tell how much of the machine a phase used. */
function machineCpu(): { busy: number; total: number } | null {
  try {
    const fields = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
    const total = fields.reduce((a, b) => a + b, 0);
    return { busy: total - fields[3]! - fields[4]!, total };
  } catch {
    return null;
  }
}

/** Where the CPU went during a phase: the whole machine (all cores), this Node process, its event loop. */
function cpuMeter() {
  const machine = machineCpu();
  const own = process.cpuUsage();
  const loop = performance.eventLoopUtilization();
  const start = process.hrtime.bigint();
  return () => {
    const wallUs = Number(process.hrtime.bigint() - start) / 1e3;
    const after = machineCpu();
    const used = process.cpuUsage(own);
    return {
      machineBusy: machine && after ? (after.busy - machine.busy) / (after.total - machine.total) : NaN,
      processCores: (used.user + used.system) / wallUs,
      eventLoop: performance.eventLoopUtilization(loop).utilization,
    };
  };
}

/**
 * Counts every statement the pool's connections send (drizzle's, the named hot statements and
 * graphile-worker's own), for pools created after this call's caller: it wraps each client's `query`.
 */
function countQueries(pool: pg.Pool, sink: (text: string) => void) {
  pool.on('connect', (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      const first = args[0] as string | { text?: string; name?: string };
      sink(typeof first === 'string' ? first : (first.text ?? first.name ?? '?'));
      return query(...args);
    };
  });
}

type StatementTiming = { count: number; totalMs: number; samples: number[] };

/**
 * Client-side time of every statement the pool's connections send (send → result, so event-loop lag is
 * included), by kind, and the time callers waited for a connection of the pool; for pools created after
 * this call's caller. Kinds: the hot statements by name, graphile-worker's job fetch and completion.
 */
function timeStatements(pool: pg.Pool) {
  const kinds = new Map<string, StatementTiming>();
  const record = (kind: string, elapsedMs: number) => {
    const timing = kinds.get(kind) ?? { count: 0, totalMs: 0, samples: [] };
    timing.count += 1;
    timing.totalMs += elapsedMs;
    timing.samples.push(elapsedMs);
    kinds.set(kind, timing);
  };
  const kindOf = (first: string | { text?: string; name?: string }) => {
    const name = typeof first === 'string' ? undefined : first.name;
    const text = typeof first === 'string' ? first : (first.text ?? '');
    if (name?.startsWith('tf_')) return name;
    if (/_private_jobs/.test(text) && /^\s*delete/i.test(text)) return 'graphile-worker: complete job(s)';
    if (/_private_jobs/.test(text) && /locked_by/.test(text)) return 'graphile-worker: fetch job(s)';
    return `other: ${text.replace(/\s+/g, ' ').slice(0, 50)}`;
  };
  let counting = false;
  pool.on('connect', (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      if (!counting) return query(...args);
      const kind = kindOf(args[0] as string | { text?: string; name?: string });
      const start = performance.now();
      const last = args.length - 1;
      const callback = args[last];
      if (typeof callback === 'function') {
        args[last] = (...results: unknown[]) => (record(kind, performance.now() - start), (callback as (...r: unknown[]) => unknown)(...results));
        return query(...args);
      }
      const result = query(...args) as Promise<unknown>;
      result.then(
        () => record(kind, performance.now() - start),
        () => record(kind, performance.now() - start),
      );
      return result;
    };
  });
  // pg's pool.query takes its connection with a callback, graphile-worker's withPgClient with a promise.
  const connect = pool.connect.bind(pool) as (...args: unknown[]) => unknown;
  (pool as unknown as { connect: (...args: unknown[]) => unknown }).connect = (...args: unknown[]) => {
    const start = performance.now();
    const callback = args[0];
    if (typeof callback === 'function') {
      return connect((...results: unknown[]) => {
        if (counting) record('waiting for a pool connection', performance.now() - start);
        return (callback as (...r: unknown[]) => unknown)(...results);
      });
    }
    return (connect() as Promise<unknown>).then((client) => {
      if (counting) record('waiting for a pool connection', performance.now() - start);
      return client;
    });
  };
  return {
    start: () => (counting = true),
    stop: () => {
      counting = false;
      return kinds;
    },
  };
}

/** The newest transaction id: its growth between two reads counts the write transactions committed (or aborted) in between, plus one for the read itself. */
async function currentXid(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query<{ xid: string }>('select txid_current()::text as xid');
  return Number(rows[0]!.xid);
}

export async function run(env: BenchEnv) {
  const org = await seedOrganization(env, 'bench-executions');
  const api = env.api.url;

  let created = 0;
  const fake = await startFakeApi();
  fake.requireHeader('x-api-key', API_KEY);
  fake.on('POST /records', () => ({ status: 201, json: { id: `rec-${++created}` } }));
  // Only to ask the executions table which runs have ended; separate from the pools being measured.
  const poller = new pg.Pool({ connectionString: env.databaseUrl, max: 1 });
  poller.on('error', () => {});
  // The worker's own pool, as `npm start` gives it (WORKER_DATABASE_POOL_SIZE), with its statements timed.
  const workerPoolSize = loadConfig({}).workerPoolSize;
  const workerDatabase = connectDatabase(env.databaseUrl, { max: workerPoolSize });
  const statementTimes = timeStatements(workerDatabase.pool);
  let worker = await env.startWorker({ database: workerDatabase });

  try {
    // Setup (not measured): an org-activated acme-api connection whose global baseUrl is the fake API, one
    // customer with its apiKey, the integration (imported, published) and one deployed instance.
    const { webhookPath } = await deployAcmeFlow(env, org, { definition: DEFINITION, baseUrl: fake.url, apiKey: API_KEY });

    const fire = async (baseUrl: string, name: string): Promise<Sent> => {
      const sentAt = Date.now();
      const start = process.hrtime.bigint();
      const response = await fetch(`${baseUrl}${webhookPath}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name }),
        signal: AbortSignal.timeout(60_000),
      });
      const body = await response.text();
      const acceptedMs = Number(process.hrtime.bigint() - start) / 1e6;
      const header = response.headers.get('prismatic-executionid');
      const executionId = header ? decodeGlobalId(header)?.id : undefined;
      if (response.status !== 202 || !executionId) throw new BenchmarkFailure(`webhook answered ${response.status} (${header}): ${body.slice(0, 300)}`);
      return { executionId, sentAt, acceptedMs };
    };

    /** Polls the executions table until every id has ended (bounded by DEADLINE_MS); returns their rows. */
    const awaitEnded = async (ids: string[], pollMs = POLL_MS) => {
      const ended = new Map<string, Ended>();
      const deadline = Date.now() + DEADLINE_MS;
      let pending = ids;
      while (pending.length > 0) {
        const { rows } = await poller.query<Ended>(
          `select id, status, created_at, started_at, ended_at from executions where id = any($1::uuid[]) and status in ('SUCCEEDED', 'FAILED')`,
          [pending],
        );
        for (const row of rows) ended.set(row.id, row);
        pending = pending.filter((id) => !ended.has(id));
        if (pending.length === 0) break;
        if (Date.now() > deadline) throw new BenchmarkFailure(`${pending.length} of ${ids.length} executions did not end within ${DEADLINE_MS / 1000} s`);
        await sleep(pollMs);
      }
      return ids.map((id) => ended.get(id)!);
    };

    // The plain loop: the same POST /records the engine sends (same headers set by hand, same body shape),
    // each with an Idempotency-Key of the engine's format, answered by the same fake.
    let plainBody: Record<string, unknown> = {};
    const plainCall = async (name: string) => {
      const start = process.hrtime.bigint();
      const response = await fetch(`${fake.url}/records`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-api-key': API_KEY,
          'idempotency-key': `tf-${createHash('sha256').update(randomUUID()).digest('base64url')}`,
        },
        body: JSON.stringify({ ...plainBody, name }),
        signal: AbortSignal.timeout(30_000),
        redirect: 'manual',
      });
      const text = await response.text();
      if (response.status !== 201) throw new BenchmarkFailure(`plain call answered ${response.status}: ${text.slice(0, 200)}`);
      JSON.parse(text);
      return Number(process.hrtime.bigint() - start) / 1e6;
    };

    // Warm-up of both paths (sockets, JIT, plan caches, the worker's pool).
    const warm = await runPool(WARMUP, IN_FLIGHT, (i) => fire(api, `warmup-${i}`));
    const warmEnded = await awaitEnded(warm.map((s) => s.executionId));
    if (warmEnded.some((e) => e.status !== 'SUCCEEDED'))
      throw new BenchmarkFailure(`warm-up execution failed: ${JSON.stringify(warmEnded.find((e) => e.status !== 'SUCCEEDED'))}`);
    const engineSample = fake.requestsTo('POST /records').find((r) => (r.json as { name?: string })?.name === 'warmup-0');
    if (!engineSample) throw new BenchmarkFailure('the fake API did not receive the warm-up call');
    // The baseline's body has the engine's shape (e.g. an empty description), only the name differs.
    plainBody = { ...(engineSample.json as Record<string, unknown>) };
    await runPool(WARMUP, IN_FLIGHT, (i) => plainCall(`plain-warmup-${i}`));
    const plainSample = fake.requestsTo('POST /records').find((r) => (r.json as { name?: string })?.name === 'plain-warmup-0')!;
    const headerNames = (r: RecordedRequest) =>
      Object.keys(r.headers)
        .filter((h) => h !== 'content-length')
        .sort()
        .join(',');
    if (
      headerNames(engineSample) !== headerNames(plainSample) ||
      Object.keys(engineSample.json as object)
        .sort()
        .join() !==
        Object.keys(plainSample.json as object)
          .sort()
          .join()
    ) {
      throw new BenchmarkFailure(
        `the plain call differs from the engine's: ${headerNames(engineSample)} ${engineSample.bodyText} vs ${headerNames(plainSample)} ${plainSample.bodyText}`,
      );
    }

    const plainRound = async (round: number) => {
      const start = process.hrtime.bigint();
      const latencies = await runPool(EXECUTIONS, IN_FLIGHT, (i) => plainCall(`plain-${round}-${i}`));
      return { wallMs: Number(process.hrtime.bigint() - start) / 1e6, latencies };
    };

    // The second baseline: plain graphile-worker jobs making the same call, with the engine's concurrency: jobs
    // added through a pool of 10 (as the API's intake), run by a runner on a pool of the worker's size. Twice:
    // graphile-worker's defaults, and with its batched completion (which tenantflow does not use: see worker.ts).
    const jobsIntake = new pg.Pool({ connectionString: env.databaseUrl, max: 10 });
    jobsIntake.on('error', () => {});
    const jobsDone = new Map<string, number>();
    const startJobs = async (schema: string, preset?: typeof BATCHED_COMPLETION) => {
      const pool = new pg.Pool({ connectionString: env.databaseUrl, max: workerPoolSize });
      pool.on('error', () => {});
      const runner = await runJobs({
        pgPool: pool,
        schema,
        concurrency: worker.config.workerConcurrency,
        noHandleSignals: true,
        logger: new JobLogger(() => () => {}),
        preset,
        taskList: {
          call: async (payload) => {
            const { name } = payload as { name: string };
            await plainCall(name);
            jobsDone.set(name, Date.now());
          },
        },
      });
      return { schema, stop: () => runner.stop().then(() => pool.end()) };
    };
    // Both schemas first: a graphile-worker that installs its schema notifies every runner in the database,
    // which then stops ("breaking migration"), whatever schema it runs.
    for (const schema of [PLAIN_JOBS_SCHEMA, TUNED_JOBS_SCHEMA]) await runJobMigrations({ pgPool: jobsIntake, schema, logger: new JobLogger(() => () => {}) });
    const plainJobs = await startJobs(PLAIN_JOBS_SCHEMA);
    const tunedJobs = await startJobs(TUNED_JOBS_SCHEMA, BATCHED_COMPLETION);
    const jobsRound = async (runner: { schema: string }, label: string, count: number) => {
      const names = Array.from({ length: count }, (_, i) => `jobs-${runner.schema}-${label}-${i}`);
      const added = new Map<string, number>();
      const start = Date.now();
      await runPool(count, IN_FLIGHT, async (i) => {
        added.set(names[i]!, Date.now());
        await jobsIntake.query(`select ${runner.schema}.add_job('call', json_build_object('name', $1::text))`, [names[i]]);
      });
      const deadline = Date.now() + DEADLINE_MS;
      while (names.some((name) => !jobsDone.has(name))) {
        if (Date.now() > deadline)
          throw new BenchmarkFailure(`graphile-worker jobs (${runner.schema}) of round ${label} did not finish within ${DEADLINE_MS / 1000} s`);
        await sleep(10);
      }
      const ends = names.map((name) => jobsDone.get(name)!);
      return { wallMs: Math.max(...ends) - start, latencies: names.map((name) => jobsDone.get(name)! - added.get(name)!) };
    };
    await jobsRound(plainJobs, 'warmup', WARMUP);
    await jobsRound(tunedJobs, 'warmup', WARMUP);

    // Interleaved: fetch 1, jobs 1, tuned jobs 1, the engine run, fetch 2, jobs 2, tuned jobs 2, fetch 3, ...
    const rounds = [await plainRound(1)];
    const jobRounds = [await jobsRound(plainJobs, '1', EXECUTIONS)];
    const tunedJobRounds = [await jobsRound(tunedJobs, '1', EXECUTIONS)];
    const meter = cpuMeter();
    statementTimes.start();
    const firstSent = Date.now();
    const sent = await runPool(EXECUTIONS, IN_FLIGHT, (i) => fire(api, `exec-${i}`));
    const allAccepted = Date.now();
    const ended = await awaitEnded(sent.map((s) => s.executionId));
    // graphile-worker completes the last jobs a moment after their runs ended (batched completion).
    await sleep(100);
    const workerStatements = statementTimes.stop();
    const cpu = meter();
    for (let round = 2; round <= BASELINE_ROUNDS; round++) {
      rounds.push(await plainRound(round));
      jobRounds.push(await jobsRound(plainJobs, String(round), EXECUTIONS));
      tunedJobRounds.push(await jobsRound(tunedJobs, String(round), EXECUTIONS));
    }
    await plainJobs.stop();
    await tunedJobs.stop();
    await jobsIntake.end();

    // Checks: every execution SUCCEEDED with one successful step; the fake API got exactly one call each.
    const failed = ended.filter((e) => e.status !== 'SUCCEEDED');
    if (failed.length > 0) throw new BenchmarkFailure(`${failed.length} of ${EXECUTIONS} executions did not succeed, e.g. ${JSON.stringify(failed[0])}`);
    const steps = await poller.query<{ n: string }>(`select count(*) as n from step_results where execution_id = any($1::uuid[]) and status = 'SUCCEEDED'`, [
      sent.map((s) => s.executionId),
    ]);
    if (Number(steps.rows[0]!.n) !== EXECUTIONS) throw new BenchmarkFailure(`expected ${EXECUTIONS} successful step results, found ${steps.rows[0]!.n}`);
    const calls = fake.requestsTo('POST /records').filter((r) => String((r.json as { name?: string })?.name).startsWith('exec-'));
    const keys = new Set(calls.map((r) => r.idempotencyKey));
    const names = new Set(calls.map((r) => (r.json as { name: string }).name));
    if (calls.length !== EXECUTIONS || keys.size !== EXECUTIONS || keys.has(null) || names.size !== EXECUTIONS) {
      throw new BenchmarkFailure(
        `the fake API received ${calls.length} POST /records for the run (${keys.size} distinct Idempotency-Keys, ${names.size} distinct names), expected exactly ${EXECUTIONS}`,
      );
    }
    if (calls.some((r) => r.answered !== 201 || r.replayed || r.headers['x-api-key'] !== API_KEY))
      throw new BenchmarkFailure('a run call was not answered 201 fresh, or lacked the customer key');

    // Figures.
    const endedAt = ended.map((e) => e.ended_at!.getTime());
    const wallMs = Math.max(...endedAt) - firstSent;
    const execRate = EXECUTIONS / (wallMs / 1000);
    const triggerToEnd = ended.map((e, i) => e.ended_at!.getTime() - sent[i]!.sentAt);
    const accept = sent.map((s) => s.acceptedMs);
    const queueWait = ended.map((e) => e.started_at!.getTime() - e.created_at.getTime());
    const runTime = ended.map((e) => e.ended_at!.getTime() - e.started_at!.getTime());
    const baseline = [...rounds].sort((a, b) => a.wallMs - b.wallMs)[Math.floor(rounds.length / 2)]!;
    const plainRate = EXECUTIONS / (baseline.wallMs / 1000);
    const jobsBaseline = [...jobRounds].sort((a, b) => a.wallMs - b.wallMs)[Math.floor(jobRounds.length / 2)]!;
    const jobsRate = EXECUTIONS / (jobsBaseline.wallMs / 1000);
    const tunedJobsBaseline = [...tunedJobRounds].sort((a, b) => a.wallMs - b.wallMs)[Math.floor(tunedJobRounds.length / 2)]!;
    const tunedJobsRate = EXECUTIONS / (tunedJobsBaseline.wallMs / 1000);

    console.log(
      `${EXECUTIONS} webhook executions, ${IN_FLIGHT} POSTs in flight, one worker (concurrency ${worker.config.workerConcurrency}, lease ${worker.config.leaseMs} ms, ` +
        `step timeout ${worker.config.stepTimeoutMs} ms; loadConfig({}).engine) on its own pool of ${workerPoolSize}; client, server, worker, fake API and the baselines in one process`,
    );
    console.log(
      table(
        ['path', 'wall s', 'per s', 'p50 ms', 'p99 ms'],
        [
          [
            'webhook → SUCCEEDED (trigger-to-completion)',
            fmt(wallMs / 1000, 2),
            fmt(execRate, 1),
            ms(percentile(triggerToEnd, 50)),
            ms(percentile(triggerToEnd, 99)),
          ],
          [
            'baseline: plain fetch POST /records (median round)',
            fmt(baseline.wallMs / 1000, 2),
            fmt(plainRate, 0),
            ms(percentile(baseline.latencies, 50)),
            ms(percentile(baseline.latencies, 99)),
          ],
          [
            'baseline: plain graphile-worker jobs, same call (median round; add_job → done)',
            fmt(jobsBaseline.wallMs / 1000, 2),
            fmt(jobsRate, 1),
            ms(percentile(jobsBaseline.latencies, 50)),
            ms(percentile(jobsBaseline.latencies, 99)),
          ],
          [
            "baseline: the same jobs with graphile-worker's batched completion",
            fmt(tunedJobsBaseline.wallMs / 1000, 2),
            fmt(tunedJobsRate, 1),
            ms(percentile(tunedJobsBaseline.latencies, 50)),
            ms(percentile(tunedJobsBaseline.latencies, 99)),
          ],
        ],
      ),
    );
    console.log(`fetch baseline rounds (before, after, after the engine run): ${rounds.map((r) => `${fmt(EXECUTIONS / (r.wallMs / 1000), 0)}/s`).join(', ')}`);
    console.log(
      `graphile-worker jobs rounds (before, after, after the engine run): ${jobRounds.map((r) => `${fmt(EXECUTIONS / (r.wallMs / 1000), 1)}/s`).join(', ')}`,
    );
    console.log(`graphile-worker jobs with batching, rounds: ${tunedJobRounds.map((r) => `${fmt(EXECUTIONS / (r.wallMs / 1000), 1)}/s`).join(', ')}`);
    console.log(
      `CPU during the engine run: machine ${fmt(cpu.machineBusy * 100, 0)}% busy (all cores), this Node process ${fmt(cpu.processCores, 2)} cores ` +
        `(event loop ${fmt(cpu.eventLoop * 100, 0)}% busy); the rest is mostly PostgreSQL`,
    );
    // While webhooks still arrive, intake and engine share the process; after the last 202 the engine runs alone.
    const lastEnd = Math.max(...endedAt);
    const drained = endedAt.filter((t) => t > allAccepted).length;
    console.log(
      `all ${EXECUTIONS} webhooks answered 202 within ${fmt((allAccepted - firstSent) / 1000, 2)} s (${fmt(EXECUTIONS / ((allAccepted - firstSent) / 1000), 0)}/s); ` +
        `${EXECUTIONS - drained} executions had ended by then, the other ${drained} ended in the ${fmt((lastEnd - allAccepted) / 1000, 2)} s after ` +
        `(${fmt(drained / ((lastEnd - allAccepted) / 1000), 0)}/s with no webhook traffic)`,
    );
    console.log(
      `per worker slot: one execution every ${ms((worker.config.workerConcurrency * wallMs) / EXECUTIONS)} ms, of which claimed → ended ${ms(percentile(runTime, 50))} ms (median)`,
    );
    console.log(
      table(
        ['part of trigger-to-completion', 'p50 ms', 'p99 ms', 'max ms'],
        [
          ['POST → 202 (client)', ms(percentile(accept, 50)), ms(percentile(accept, 99)), ms(Math.max(...accept))],
          ['created_at → started_at (queued, until claimed)', ms(percentile(queueWait, 50)), ms(percentile(queueWait, 99)), ms(Math.max(...queueWait))],
          ['started_at → ended_at (claimed, running)', ms(percentile(runTime, 50)), ms(percentile(runTime, 99)), ms(Math.max(...runTime))],
        ],
      ),
    );

    // Where a slot's time goes: the worker pool's statements during the measured run, client-side.
    console.log(
      `worker pool (${workerPoolSize} connections) during the measured run, per statement kind (client-side: send → result, event-loop lag included):`,
    );
    console.log(
      table(
        ['statement', 'count', 'per execution', 'total ms', 'ms per execution', 'p50 ms', 'p99 ms'],
        [...workerStatements.entries()]
          .sort((a, b) => b[1].totalMs - a[1].totalMs)
          .map(([kind, t]) => [
            kind,
            t.count,
            fmt(t.count / EXECUTIONS, 2),
            fmt(t.totalMs, 0),
            fmt(t.totalMs / EXECUTIONS, 2),
            ms(percentile(t.samples, 50)),
            ms(percentile(t.samples, 99)),
          ]),
      ),
    );

    // SQL statements per execution, one at a time, with the measured worker stopped (it would take the jobs).
    await worker.stop();
    const counted = await countStatements(env, fire, awaitEnded);
    const column = (pick: (c: Counted) => number) => counted.map(pick).join(', ');
    console.log(`SQL per execution (${COUNTED} counted one at a time; every statement each pool's connections sent, graphile-worker's included):`);
    console.log(`  webhook request (server pool): ${column((c) => c.webhook.length)}`);
    console.log(`  worker, job fetched to job completed (engine pool): ${column((c) => c.worker.length)}`);
    console.log(
      `  round trips per execution: ${column((c) => c.webhook.length + c.worker.length)} (of which graphile-worker's own: ${column((c) => c.worker.filter(isJobQueueStatement).length)})`,
    );
    console.log(`  commits per execution (write transactions, counted by txid_current()): ${column((c) => c.commits)}`);
    console.log(`  trigger-to-completion of these unloaded executions: ${counted.map((c) => ms(c.totalMs)).join(', ')} ms`);
    console.log(`webhook request:\n${listStatements(counted[0]!.webhook)}`);
    console.log(`worker:\n${listStatements(counted[0]!.worker)}`);
    console.log(
      `ratio executions/s ÷ plain fetch calls/s: ${fmt(execRate / plainRate, 3)}; ÷ plain graphile-worker jobs/s: ${fmt(execRate / jobsRate, 3)}; ÷ batched graphile-worker jobs/s: ${fmt(execRate / tunedJobsRate, 3)}  (all ${EXECUTIONS} SUCCEEDED; the fake API received exactly ${EXECUTIONS} POST /records ` +
        `with ${EXECUTIONS} distinct Idempotency-Keys)`,
    );

    // An idle worker: its statements per second, beside graphile-worker as tenantflow once ran it
    // (pollInterval 1 s, one poll per concurrency slot), counted over the same window.
    const idle = await idleStatements(env, worker.config.workerConcurrency);
    console.log(
      `idle worker, statements/s over ${IDLE_MS / 1000} s: tenantflow worker ${fmt(idle.worker.length / (IDLE_MS / 1000), 2)}; ` +
        `graphile-worker as run before (pollInterval 1000 ms, concurrency ${worker.config.workerConcurrency}) ${fmt(idle.before.length / (IDLE_MS / 1000), 2)}`,
    );
    if (idle.worker.length > 0) console.log(`idle tenantflow worker:\n${listStatements(idle.worker)}`);
  } finally {
    await worker.stop();
    await workerDatabase.close();
    await poller.end();
    await fake.close();
  }

  type Counted = { webhook: string[]; worker: string[]; commits: number; totalMs: number };

  async function countStatements(
    env: BenchEnv,
    fire: (baseUrl: string, name: string) => Promise<Sent>,
    awaitEnded: (ids: string[], pollMs?: number) => Promise<Ended[]>,
  ): Promise<Counted[]> {
    let webhook: string[] = [];
    let engine: string[] = [];
    const server = await env.startApi({ tokenCache: false });
    countQueries(server.database.pool, (text) => webhook.push(text));
    const database = connectDatabase(env.databaseUrl, { max: 10 });
    countQueries(database.pool, (text) => engine.push(text));
    // The scheduler would add its statements to the count now and then; this worker has no schedules to fire.
    worker = await env.startWorker({ database, config: { schedulerIntervalMs: 3_600_000 } });
    const results: Counted[] = [];
    try {
      for (let i = 0; i < COUNTED + 1; i++) {
        webhook = [];
        engine = [];
        const before = await currentXid(poller);
        const { executionId, sentAt } = await fire(server.url, `counted-${i}`);
        const [row] = await awaitEnded([executionId], 5);
        if (row?.status !== 'SUCCEEDED') throw new BenchmarkFailure(`counted execution ${executionId}: ${row?.status}`);
        // graphile-worker completes the job after the handler returned.
        const deadline = Date.now() + 5_000;
        while (!engine.some(isJobCompletion) && Date.now() < deadline) await sleep(5);
        if (!engine.some(isJobCompletion)) throw new BenchmarkFailure(`the job of the counted execution was not completed:\n${listStatements(engine)}`);
        const commits = (await currentXid(poller)) - before - 1;
        // The first one warms the new pools and is not reported.
        if (i > 0) results.push({ webhook: [...webhook], worker: [...engine], commits, totalMs: row.ended_at!.getTime() - sentAt });
      }
    } finally {
      await worker.stop();
      await database.close();
      await server.close();
    }
    return results;
  }

  async function idleStatements(env: BenchEnv, concurrency: number) {
    const tenantflowPool = connectDatabase(env.databaseUrl, { max: 10 });
    const beforePool = new pg.Pool({ connectionString: env.databaseUrl, max: 10 });
    beforePool.on('error', () => {});
    const seen = { worker: [] as string[], before: [] as string[] };
    let counting = false;
    countQueries(tenantflowPool.pool, (text) => counting && seen.worker.push(text));
    countQueries(beforePool, (text) => counting && seen.before.push(text));
    const idleWorker = await env.startWorker({ database: tenantflowPool });
    const before = await runJobs({
      pgPool: beforePool,
      schema: PLAIN_JOBS_SCHEMA,
      concurrency,
      pollInterval: 1000,
      noHandleSignals: true,
      logger: new JobLogger(() => () => {}),
      taskList: { call: async () => {} },
    });
    try {
      await sleep(1_500);
      counting = true;
      await sleep(IDLE_MS);
      counting = false;
    } finally {
      await before.stop();
      await idleWorker.stop();
      await beforePool.end();
      await tenantflowPool.close();
    }
    return seen;
  }
}

const isJobCompletion = (text: string) => /delete from .*_private_jobs/is.test(text);
const isJobQueueStatement = (text: string) => /tenantflow_worker|_private_jobs|gwcj|gwgj/i.test(text);
