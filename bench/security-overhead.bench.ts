/**
 * What the egress check and known-secret redaction cost, each measured against the same engine without it,
 * in the same run (under 5% of execution throughput).
 *
 * 1. The outgoing client alone: 1,000 GETs to a fake on 127.0.0.1, 16 in flight, through `outgoingHttp`
 *    (policy with EGRESS_ALLOW=127.0.0.1) and through `unguardedOutgoingHttp` (the same undici Agent and
 *    fetch, no check), both with keep-alive (the check runs once per connection) and with `Connection: close`
 *    (the check runs for every request). Rounds alternate which goes first; the median round counts.
 * 2. Execution throughput in four configurations: plain (unguarded client, a KnownSecrets that redacts
 *    nothing), egress check only, redaction only, both (= production). Each round runs 250 webhook
 *    executions of the executions benchmark's flow (`acme-api/create-record` with the customer's API key,
 *    so the run has a secret to redact) against a fake API that answers a ~4 KB JSON record echoing the key,
 *    on a worker started for that configuration; 5 rounds, the order of the configurations rotating each
 *    round (the machine is shared and noisy). Executions/s = 250 ÷ (last `ended_at` − first POST); the median
 *    round counts; ratio = configuration ÷ plain. Also the CPU time of this Node process per execution in the
 *    same window (client, server, worker and fake share it; PostgreSQL is not in it): both checks run here,
 *    and CPU time moves less than wall time when other processes load the machine. Fails only on wrong answers (an execution not SUCCEEDED,
 *    the fake's request count, the key stored or not stored as the configuration says), never on the ratio.
 * 3. The pure costs, free of network and scheduling noise: the address check per connection, and redacting
 *    a ~4 KB output with 3 secrets.
 * Nothing here talks to anything but 127.0.0.1.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { egressPolicy } from '../src/execution/http/egress-policy';
import { outgoingHttp, unguardedOutgoingHttp, type OutgoingHttp } from '../src/execution/http/outgoing-http';
import { KnownSecrets } from '../src/execution/secrets/known-secrets';
import { decodeGlobalId } from '../src/lib/global-id';
import { startFakeApi } from '../test/fakes/fake-api';
import { acmeRecordDefinition } from '../test/support/integrations';
import { BenchmarkFailure, deployAcmeFlow, fmt, median, runPool, seedOrganization, table, type BenchEnv } from './support';

const CLIENT_REQUESTS = 1_000;
const EXECUTIONS = 150;
const WARMUP_EXECUTIONS = 50;
const IN_FLIGHT = 16;
const ROUNDS = 9;
const POLL_MS = 50;
const DEADLINE_MS = 120_000;
const MAX_RESPONSE_BYTES = 10 * 1024 * 1024;
const API_KEY = 'ak_bench_security_0123456789abcdef';
/** The budget: what both checks together may cost. */
const BUDGET = 0.05;

const DEFINITION = acmeRecordDefinition({ stableKey: 'bench-security-overhead', connectionStableKey: 'acme-api-key' });

/** The baseline's redaction: remembers nothing, changes nothing. */
class RedactsNothing extends KnownSecrets {
  override add() {}
  override addBasic() {}
  override text(text: string) {
    return text;
  }
  override value<T>(value: T) {
    return value;
  }
}

/** What a SaaS API answers to POST /records: a record of ~4 KB, which (as APIs do) echoes the caller's key. */
function acmeRecord(n: number, name: string) {
  return {
    id: `rec-${n}`,
    object: 'record',
    name,
    description: '',
    status: 'active',
    createdAt: new Date(Date.UTC(2026, 11, 1) + n * 1000).toISOString(),
    updatedAt: new Date(Date.UTC(2026, 11, 1) + n * 1000).toISOString(),
    owner: { id: 'usr-100', name: 'Dana Fischer', email: 'dana.fischer@acme.example', role: 'account-manager', timezone: 'Europe/Berlin' },
    account: { id: 'acc-42', name: 'Globex GmbH', plan: 'enterprise', region: 'eu-central', billingEmail: 'billing@globex.example', seats: 250 },
    tags: ['priority', 'renewal-2027', 'emea', 'imported', 'webhook'],
    customFields: Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`field_${i}`, `value ${i} of record ${n}, set by the import`])),
    lineItems: Array.from({ length: 20 }, (_, i) => ({
      sku: `SKU-${1000 + i}`,
      description: `Subscription seat, tier ${i % 3}, billed yearly`,
      quantity: i + 1,
      unitPrice: { amount: 1999 + i * 100, currency: 'EUR' },
      discount: i % 4 === 0 ? 0.1 : 0,
    })),
    links: { self: `/records/rec-${n}`, account: '/accounts/acc-42', owner: '/users/usr-100' },
    request: { id: `req-${n}`, authenticatedWith: `X-Api-Key ${API_KEY}` },
  };
}

/** Whichever runs second in a pair measured faster here (warmer), so the order alternates round by round. */
async function inTurn(round: number, first: () => Promise<unknown>, second: () => Promise<unknown>) {
  if (round % 2 === 0) {
    await first();
    await second();
  } else {
    await second();
    await first();
  }
}

const overhead = (checked: number, plain: number) => `${fmt(((plain - checked) / plain) * 100, 1)}%`;
const microseconds = (start: bigint, count: number) => Number(process.hrtime.bigint() - start) / count / 1000;

async function startPlainFake() {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

async function clientRound(client: OutgoingHttp, url: string, headers: Record<string, string>): Promise<number> {
  const start = process.hrtime.bigint();
  await runPool(CLIENT_REQUESTS, IN_FLIGHT, async () => {
    const response = await client.fetch(url, { headers, signal: AbortSignal.timeout(30_000) });
    await response.arrayBuffer();
    if (response.status !== 200) throw new BenchmarkFailure(`fake answered ${response.status}`);
  });
  return CLIENT_REQUESTS / (Number(process.hrtime.bigint() - start) / 1e9);
}

export async function run(env: BenchEnv) {
  const settings = { egressAllow: ['127.0.0.1'], maxResponseBytes: MAX_RESPONSE_BYTES };
  const guarded = outgoingHttp(settings);
  const plain = unguardedOutgoingHttp(settings);
  const plainFake = await startPlainFake();
  let recordCount = 0;
  const fake = await startFakeApi();
  fake.requireHeader('x-api-key', API_KEY);
  fake.on('POST /records', (request) => ({ status: 201, json: acmeRecord(++recordCount, String((request.json as { name?: string })?.name)) }));
  // Only to ask the executions table which runs have ended; separate from the pools being measured.
  const poller = new pg.Pool({ connectionString: env.databaseUrl, max: 1 });
  poller.on('error', () => {});
  try {
    // 1. The client alone.
    const rows: (string | number)[][] = [];
    for (const [label, headers] of [
      ['keep-alive (checked once per connection)', {}],
      ['Connection: close (checked per request)', { connection: 'close' }],
    ] as const) {
      await clientRound(guarded, plainFake.url, headers);
      await clientRound(plain, plainFake.url, headers);
      const rates = { guarded: [] as number[], plain: [] as number[] };
      for (let round = 0; round < ROUNDS; round++) {
        await inTurn(
          round,
          async () => rates.guarded.push(await clientRound(guarded, plainFake.url, headers)),
          async () => rates.plain.push(await clientRound(plain, plainFake.url, headers)),
        );
      }
      rows.push([label, fmt(median(rates.guarded), 0), fmt(median(rates.plain), 0), overhead(median(rates.guarded), median(rates.plain))]);
    }
    console.log(`1. ${CLIENT_REQUESTS} GETs to a fake on 127.0.0.1, ${IN_FLIGHT} in flight, median of ${ROUNDS} alternating rounds`);
    console.log(table(['client', 'guarded req/s', 'plain req/s', 'cost'], rows));

    // 2. Execution throughput in four configurations.
    const org = await seedOrganization(env, 'bench-security');
    const { webhookPath } = await deployAcmeFlow(env, org, { definition: DEFINITION, baseUrl: fake.url, apiKey: API_KEY });
    const redactsNothing = () => new RedactsNothing();
    const configurations = [
      { label: 'plain (no egress check, no redaction)', http: plain, knownSecrets: redactsNothing, redacts: false },
      { label: 'egress check only', http: guarded, knownSecrets: redactsNothing, redacts: false },
      { label: 'redaction only', http: plain, knownSecrets: undefined, redacts: true },
      { label: 'both (production)', http: guarded, knownSecrets: undefined, redacts: true },
    ];
    type Configuration = (typeof configurations)[number];

    const fire = async (name: string): Promise<string> => {
      const response = await fetch(`${env.api.url}${webhookPath}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name }),
        signal: AbortSignal.timeout(60_000),
      });
      const body = await response.text();
      const id = decodeGlobalId(response.headers.get('prismatic-executionid') ?? '')?.id;
      if (response.status !== 202 || !id) throw new BenchmarkFailure(`webhook answered ${response.status}: ${body.slice(0, 300)}`);
      return id;
    };

    /** One round of one configuration on a worker of its own: executions/s and Node CPU ms per execution, after checking every answer. */
    const executionRound = async (configuration: Configuration, batch: string, count: number): Promise<{ rate: number; cpuMs: number }> => {
      const worker = await env.startWorker({ http: configuration.http, knownSecrets: configuration.knownSecrets });
      let ids: string[];
      let firstSent: number;
      let lastEnded: number;
      let cpu: NodeJS.CpuUsage;
      try {
        firstSent = Date.now();
        cpu = process.cpuUsage();
        ids = await runPool(count, IN_FLIGHT, (i) => fire(`${batch}-${i}`));
        const deadline = Date.now() + DEADLINE_MS;
        for (;;) {
          const { rows } = await poller.query<{ ended: string; failed: string; last: Date | null }>(
            `select count(*) filter (where status in ('SUCCEEDED', 'FAILED')) as ended, count(*) filter (where status = 'FAILED') as failed, max(ended_at) as last
               from executions where id = any($1::uuid[])`,
            [ids],
          );
          const row = rows[0]!;
          if (Number(row.failed) > 0) {
            const { rows: failed } = await poller.query<{ error: string }>(
              `select error from executions where id = any($1::uuid[]) and status = 'FAILED' limit 1`,
              [ids],
            );
            throw new BenchmarkFailure(`${configuration.label}: ${row.failed} of ${count} executions failed, e.g. ${failed[0]?.error}`);
          }
          if (Number(row.ended) === count) {
            lastEnded = row.last!.getTime();
            cpu = process.cpuUsage(cpu);
            break;
          }
          if (Date.now() > deadline) throw new BenchmarkFailure(`${configuration.label}: executions did not end within ${DEADLINE_MS / 1000} s`);
          await new Promise((resolve) => setTimeout(resolve, POLL_MS));
        }
      } finally {
        await worker.stop();
      }
      // Checks (outside the measured window): one call each at the fake, one successful step each, and the
      // key stored only where this configuration does not redact.
      const calls = fake.requestsTo('POST /records').filter((r) => String((r.json as { name?: string })?.name).startsWith(`${batch}-`));
      if (calls.length !== count || calls.some((r) => r.answered !== 201 || r.replayed))
        throw new BenchmarkFailure(`${configuration.label}: the fake API received ${calls.length} POST /records (expected ${count}, each answered 201 fresh)`);
      const { rows } = await poller.query<{ steps: string; with_key: string; redacted: string }>(
        `select count(*) as steps, count(*) filter (where output::text like '%' || $2 || '%') as with_key, count(*) filter (where output::text like '%[redacted]%') as redacted
           from step_results where execution_id = any($1::uuid[]) and status = 'SUCCEEDED'`,
        [ids, API_KEY],
      );
      const stored = rows[0]!;
      const expected = configuration.redacts ? { withKey: 0, redacted: count } : { withKey: count, redacted: 0 };
      if (Number(stored.steps) !== count || Number(stored.with_key) !== expected.withKey || Number(stored.redacted) !== expected.redacted) {
        throw new BenchmarkFailure(
          `${configuration.label}: ${stored.steps} successful step results, ${stored.with_key} storing the key, ${stored.redacted} redacted; ` +
            `expected ${count}, ${expected.withKey}, ${expected.redacted}`,
        );
      }
      return { rate: count / ((lastEnded - firstSent) / 1000), cpuMs: (cpu.user + cpu.system) / 1000 / count };
    };

    // Warm-up of every configuration (sockets, JIT, plan caches), not counted.
    for (const [c, configuration] of configurations.entries()) await executionRound(configuration, `warmup-${c}`, WARMUP_EXECUTIONS);
    const rates = configurations.map(() => [] as number[]);
    const cpuMs = configurations.map(() => [] as number[]);
    const orders: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const order = configurations.map((_, i) => (i + round) % configurations.length);
      orders.push(order.map((c) => c + 1).join(''));
      for (const c of order) {
        const measured = await executionRound(configurations[c]!, `round${round}-${c}`, EXECUTIONS);
        rates[c]!.push(measured.rate);
        cpuMs[c]!.push(measured.cpuMs);
      }
    }
    const medians = rates.map(median);
    const plainRate = medians[0]!;
    const cpuMedians = cpuMs.map(median);
    console.log(
      `\n2. ${EXECUTIONS} webhook executions per round (acme-api/create-record with the customer's API key, a ${fmt(JSON.stringify(acmeRecord(1, 'x')).length / 1024, 1)} KB ` +
        `JSON answer), ${IN_FLIGHT} POSTs in flight, a worker per round (loadConfig({}).engine); ${ROUNDS} rounds, configurations in the order ${orders.join(', ')}`,
    );
    console.log(
      table(
        ['configuration', 'median exec/s', 'vs plain', 'overhead', 'rounds (exec/s)', 'Node CPU ms/exec', 'vs plain', 'rounds (CPU ms/exec)'],
        configurations.map((configuration, c) => [
          `${c + 1}. ${configuration.label}`,
          fmt(medians[c]!, 1),
          fmt(medians[c]! / plainRate, 3),
          c === 0 ? '' : overhead(medians[c]!, plainRate),
          rates[c]!.map((r) => fmt(r, 0)).join(', '),
          fmt(cpuMedians[c]!, 2),
          fmt(cpuMedians[c]! / cpuMedians[0]!, 3),
          cpuMs[c]!.map((r) => fmt(r, 1)).join(', '),
        ]),
      ),
    );
    // Each configuration against plain in the same round (minutes apart at most): the machine's load drifts
    // far more between rounds than between neighbours, so the paired ratio is the figure that is judged.
    const pairedRatio = (c: number) => median(rates[c]!.map((rate, round) => rate / rates[0]![round]!));
    console.log(
      `paired per round (median of each round's rate ÷ plain's rate in that round): ` +
        configurations
          .slice(1)
          .map((configuration, i) => `${configuration.label} ${fmt(pairedRatio(i + 1), 3)}`)
          .join(', '),
    );
    const production = pairedRatio(3);
    console.log(
      `overhead of egress check + redaction on execution throughput (paired): ${fmt((1 - production) * 100, 1)}% (negative: within noise) — ` +
        `${1 - production < BUDGET ? 'UNDER' : 'NOT under'} the ${fmt(BUDGET * 100, 0)}% budget`,
    );
    console.log(`Node CPU per execution, production vs plain: ${fmt((cpuMedians[3]! / cpuMedians[0]! - 1) * 100, 1)}% more (negative: within noise)`);
    console.log(
      `checked: every execution SUCCEEDED, the fake received exactly one POST /records per execution, and the stored output holds the key ` +
        `in configurations 1-2 and "[redacted]" instead in 3-4`,
    );

    // 3. The pure costs.
    const policy = egressPolicy(['10.0.0.0/8', 'erp.corp.example']);
    const checks = 200_000;
    console.log(`\n3. pure costs (EGRESS_ALLOW=10.0.0.0/8,erp.corp.example; ${checks.toLocaleString('en-US')} checks each)`);
    for (const address of ['93.184.216.34', '2606:4700:4700::1111', '10.1.2.3']) {
      const start = process.hrtime.bigint();
      for (let i = 0; i < checks; i++) policy.allows('api.example.com', [address]);
      console.log(`address check of ${address}: ${fmt(microseconds(start, checks), 2)} µs per connection`);
    }
    // What one run of the flow above does, with two more secrets (an OAuth token and a Basic login).
    const output = JSON.parse(JSON.stringify(acmeRecord(1, 'micro'))) as unknown;
    const outputKb = JSON.stringify(output).length / 1024;
    const runs = 20_000;
    const remember = () => {
      const secrets = new KnownSecrets();
      secrets.add(API_KEY);
      secrets.add('ya29.a0AfH6SMBx3bench-oauth-token-value');
      secrets.addBasic('integration-user', 'correct-horse-battery-staple');
      return secrets;
    };
    let start = process.hrtime.bigint();
    for (let i = 0; i < runs; i++) remember();
    const rememberUs = microseconds(start, runs);
    const secrets = remember();
    if (JSON.stringify(secrets.value(output)).includes(API_KEY)) throw new BenchmarkFailure('the micro-measure did not redact the key');
    start = process.hrtime.bigint();
    for (let i = 0; i < runs; i++) secrets.value(output);
    const redactUs = microseconds(start, runs);
    console.log(`remembering 3 secrets (all their encodings): ${fmt(rememberUs, 1)} µs per run`);
    console.log(`redacting a ${fmt(outputKb, 1)} KB output (parsed JSON) with 3 secrets: ${fmt(redactUs, 1)} µs per stored output`);
    console.log(
      `for scale: one execution takes ${fmt(1000 / medians[3]!, 2)} ms of this machine at the production rate; ` +
        `redaction's pure cost is ${fmt(((rememberUs + redactUs) / 1000 / (1000 / medians[3]!)) * 100, 2)}% of it`,
    );
  } finally {
    await guarded.close();
    await plain.close();
    await poller.end();
    await fake.close();
    await plainFake.close();
  }
}
