/**
 * What the egress check costs, measured against the same client without it, in the same run.
 *
 * 1. The client alone: 2,000 GETs to a fake on 127.0.0.1, 16 in flight, through `outgoingHttp` (policy
 *    with EGRESS_ALLOW=127.0.0.1) and through `unguardedOutgoingHttp` (the same undici Agent and fetch,
 *    no check), both with keep-alive (the check runs once per connection) and with `Connection: close`
 *    (the check runs for every request). Rounds alternate which goes first; the median round counts.
 * 2. Execution throughput: 200 webhook executions of a one-step flow (http-request GET to the fake, no
 *    credential) run by a worker whose client is guarded, then by one whose client is not, alternating,
 *    five rounds each: executions/s = 200 ÷ (last ended_at − first POST), the median round counts.
 * 3. The address check alone (what each new connection adds), free of network and scheduling noise.
 * Nothing here talks to anything but 127.0.0.1.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { createCustomer } from '../src/domain/customers/customers';
import { egressPolicy } from '../src/execution/http/egress-policy';
import { outgoingHttp, unguardedOutgoingHttp, type OutgoingHttp } from '../src/execution/http/outgoing-http';
import { decodeGlobalId, encodeGlobalId } from '../src/lib/global-id';
import { BenchmarkFailure, fmt, gqlData, median, runPool, seedOrganization, table, type BenchEnv } from './support';

const CLIENT_REQUESTS = 2_000;
const EXECUTIONS = 200;
const IN_FLIGHT = 16;
const ROUNDS = 5;
const DEADLINE_MS = 120_000;
const MAX_RESPONSE_BYTES = 10 * 1024 * 1024;

const DEFINITION = `
name: Egress bench
stableKey: bench-egress
requiredConfigVars:
  - key: Target
    dataType: string
flows:
  - name: Fetch
    stableKey: fetch
    trigger: { type: webhook }
    steps:
      - name: Get it
        action: { component: http, key: http-request }
        inputs:
          method: GET
          url: "{{ configVars.Target }}"
`;

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

const overhead = (guarded: number, plain: number) => `${fmt(((plain - guarded) / plain) * 100, 1)}%`;

async function startFake() {
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
  const fake = await startFake();
  const settings = { egressAllow: ['127.0.0.1'], maxResponseBytes: MAX_RESPONSE_BYTES };
  const guarded = outgoingHttp(settings);
  const plain = unguardedOutgoingHttp(settings);
  const poller = new pg.Pool({ connectionString: env.databaseUrl, max: 1 });
  poller.on('error', () => {});
  try {
    // 1. The client alone.
    const rows: (string | number)[][] = [];
    for (const [label, headers] of [
      ['keep-alive (checked once per connection)', {}],
      ['Connection: close (checked per request)', { connection: 'close' }],
    ] as const) {
      await clientRound(guarded, fake.url, headers);
      await clientRound(plain, fake.url, headers);
      const rates = { guarded: [] as number[], plain: [] as number[] };
      for (let round = 0; round < ROUNDS; round++) {
        await inTurn(
          round,
          async () => rates.guarded.push(await clientRound(guarded, fake.url, headers)),
          async () => rates.plain.push(await clientRound(plain, fake.url, headers)),
        );
      }
      rows.push([label, fmt(median(rates.guarded), 0), fmt(median(rates.plain), 0), overhead(median(rates.guarded), median(rates.plain))]);
    }
    console.log(`${CLIENT_REQUESTS} GETs to a fake on 127.0.0.1, ${IN_FLIGHT} in flight, median of ${ROUNDS} alternating rounds`);
    console.log(table(['client', 'guarded req/s', 'plain req/s', 'cost'], rows));

    // 2. Execution throughput with and without the check.
    const org = await seedOrganization(env, 'bench-egress');
    const api = env.api.url;
    const imported = await gqlData(
      api,
      org.token,
      `mutation($d: String!) { importIntegration(input: { definition: $d }) { integration { id } errors { field messages } } }`,
      { d: DEFINITION },
    );
    const integration = imported.importIntegration.integration?.id as string | undefined;
    if (!integration) throw new BenchmarkFailure(`importIntegration: ${JSON.stringify(imported)}`);
    await gqlData(api, org.token, `mutation($id: ID!) { publishIntegration(input: { id: $id }) { errors { field messages } } }`, { id: integration });
    const customer = encodeGlobalId('Customer', (await createCustomer(env.database.db, org.admin, { name: 'Egress customer', externalId: 'egress-1' })).id);
    const created = await gqlData(
      api,
      org.token,
      `mutation($input: CreateInstanceInput!) { createInstance(input: $input) { instance { id } errors { field messages } } }`,
      { input: { integration, customer, name: 'Egress instance', configVariables: [{ key: 'Target', value: `${fake.url}/thing` }] } },
    );
    const instanceId = created.createInstance.instance?.id as string | undefined;
    if (!instanceId) throw new BenchmarkFailure(`createInstance: ${JSON.stringify(created)}`);
    const deployed = await gqlData(
      api,
      org.token,
      `mutation($id: ID!) { deployInstance(input: { id: $id }) { instance { flowConfigs { nodes { webhookUrl } } } errors { field messages } } }`,
      { id: instanceId },
    );
    const webhookPath = new URL(deployed.deployInstance.instance.flowConfigs.nodes[0].webhookUrl as string).pathname;

    const executionRound = async (client: OutgoingHttp): Promise<number> => {
      const worker = await env.startWorker({ http: client });
      try {
        const firstSent = Date.now();
        const ids = await runPool(EXECUTIONS, IN_FLIGHT, async () => {
          const response = await fetch(`${api}${webhookPath}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: '{}',
            signal: AbortSignal.timeout(60_000),
          });
          await response.text();
          const id = decodeGlobalId(response.headers.get('prismatic-executionid') ?? '')?.id;
          if (response.status !== 202 || !id) throw new BenchmarkFailure(`webhook answered ${response.status}`);
          return id;
        });
        const deadline = Date.now() + DEADLINE_MS;
        for (;;) {
          const { rows } = await poller.query<{ ended: string; failed: string; last: Date | null }>(
            `select count(*) filter (where status in ('SUCCEEDED', 'FAILED')) as ended, count(*) filter (where status = 'FAILED') as failed, max(ended_at) as last from executions where id = any($1::uuid[])`,
            [ids],
          );
          const row = rows[0]!;
          if (Number(row.failed) > 0) throw new BenchmarkFailure(`${row.failed} executions failed`);
          if (Number(row.ended) === EXECUTIONS) return EXECUTIONS / ((row.last!.getTime() - firstSent) / 1000);
          if (Date.now() > deadline) throw new BenchmarkFailure(`executions did not end within ${DEADLINE_MS / 1000} s`);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      } finally {
        await worker.stop();
      }
    };
    await executionRound(guarded); // warm-up, not counted
    const rates = { guarded: [] as number[], plain: [] as number[] };
    for (let round = 0; round < ROUNDS; round++) {
      await inTurn(
        round,
        async () => rates.guarded.push(await executionRound(guarded)),
        async () => rates.plain.push(await executionRound(plain)),
      );
    }
    console.log(
      `${EXECUTIONS} webhook executions (one http-request step to the fake), ${IN_FLIGHT} POSTs in flight, one worker per round, median of ${ROUNDS} alternating rounds`,
    );
    console.log(
      table(
        ['worker client', 'executions/s', 'rounds'],
        [
          ['guarded (egress policy)', fmt(median(rates.guarded), 1), rates.guarded.map((r) => fmt(r, 0)).join(', ')],
          ['plain (no check)', fmt(median(rates.plain), 1), rates.plain.map((r) => fmt(r, 0)).join(', ')],
        ],
      ),
    );
    console.log(`cost of the egress check on execution throughput: ${overhead(median(rates.guarded), median(rates.plain))} (negative: within noise)`);

    // 3. The check alone, per connection.
    const policy = egressPolicy(['10.0.0.0/8', 'erp.corp.example']);
    const checks = 200_000;
    for (const address of ['93.184.216.34', '2606:4700:4700::1111', '10.1.2.3']) {
      const start = process.hrtime.bigint();
      for (let i = 0; i < checks; i++) policy.allows('api.example.com', [address]);
      console.log(`address check of ${address}: ${fmt(Number(process.hrtime.bigint() - start) / checks / 1000, 1)} µs per connection`);
    }
  } finally {
    await guarded.close();
    await plain.close();
    await poller.end();
    await fake.close();
  }
}
