/**
 * Fan-out: one flow for 10,000 customers, each customer's run an execution of its own instance
 * with its own API key, versus a plain loop of the same 10,000 HTTP calls, at the same concurrency, in the
 * same run.
 *
 * Setup (not measured): an org-activated, customer-scoped `acme-api` connection whose global baseUrl is a
 * fake API on 127.0.0.1 answering after UPSTREAM_MS (a SaaS API is not instantaneous); 10,000 customers,
 * each with its own apiKey (sealed with the customer's data key) and a deployed instance of an integration
 * whose flow `sync` has `trigger: { type: api, fanOut: { to: customers, maxConcurrency: CONCURRENCY } }` and
 * one step (`acme-api/create-record`, body `{ name: <customer externalId> }`).
 *
 * Fan-out: `runFlow(integration:, flow: "sync")` over HTTP, then one worker (production engine settings,
 * WORKER_CONCURRENCY = CONCURRENCY) on the server's pool runs it. Total = the parent's `ended_at` − the
 * moment the mutation was sent. All 10,000 children must have SUCCEEDED, the fake must have applied exactly
 * one record per customer with that customer's key, and its peak concurrency must not exceed the limit.
 *
 * Plain loop: the same 10,000 `POST /records` (same headers and body shape, a fresh Idempotency-Key each)
 * straight to the fake with global fetch, CONCURRENCY in flight; once before and once after the fan-out,
 * the mean counts. Ratio = plain total ÷ fan-out total (1.0 would mean the engine costs nothing).
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { decodeGlobalId } from '../src/lib/global-id';
import { startFakeApi } from '../test/fakes/fake-api';
import { apiKeyOf, fanOutDefinition, newestVersionOf, seedFanOutCustomers } from '../test/support/fan-out';
import { BenchmarkFailure, fmt, gqlData, runPool, seedOrganization, table, type BenchEnv } from './support';

const CUSTOMERS = 10_000;
const CONCURRENCY = 16;
const UPSTREAM_MS = 20;
const DEADLINE_MS = 900_000;
const sleep = (millis: number) => new Promise((resolve) => setTimeout(resolve, millis));

export async function run(env: BenchEnv) {
  const org = await seedOrganization(env, 'bench-fan-out');
  const fake = await startFakeApi();
  fake.on('POST /records', (request) => {
    const name = (request.json as { name: string }).name;
    if (request.headers['x-api-key'] !== apiKeyOf(name)) return { status: 401, json: { error: 'wrong key' } };
    return { status: 201, delayMs: UPSTREAM_MS, json: { id: `rec-${name}` } };
  });
  const poller = new pg.Pool({ connectionString: env.databaseUrl, max: 1 });
  poller.on('error', () => {});
  try {
    const seedStarted = Date.now();
    const target = await setUp(env, org, fake.url);
    const customers = await seedFanOutCustomers({ db: env.database.db, vault: env.vault }, org, target, CUSTOMERS);
    console.log(`setup: ${fmt(CUSTOMERS, 0)} customers with their own API key and instance in ${fmt((Date.now() - seedStarted) / 1000)} s`);

    const plainLoop = async () => {
      fake.reset();
      fake.on('POST /records', () => ({ status: 201, delayMs: UPSTREAM_MS, json: { id: 'plain' } }));
      const started = Date.now();
      await runPool(CUSTOMERS, CONCURRENCY, async (i) => {
        const name = customers[i]!.externalId;
        const response = await fetch(`${fake.url}/records`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-key': apiKeyOf(name), 'idempotency-key': randomUUID() },
          body: JSON.stringify({ name, description: null }),
          signal: AbortSignal.timeout(60_000),
        });
        if (response.status !== 201) throw new BenchmarkFailure(`plain call answered ${response.status}`);
        await response.arrayBuffer();
      });
      return Date.now() - started;
    };

    const plainBefore = await plainLoop();
    fake.reset();
    fake.on('POST /records', (request) => {
      const name = (request.json as { name: string }).name;
      if (request.headers['x-api-key'] !== apiKeyOf(name)) return { status: 401, json: { error: 'wrong key' } };
      return { status: 201, delayMs: UPSTREAM_MS, json: { id: `rec-${name}` } };
    });
    const worker = await env.startWorker({ config: { workerConcurrency: CONCURRENCY } });
    const sentAt = Date.now();
    const started = await gqlData(
      env.api.url,
      org.token,
      `mutation($input: RunFlowInput!) { runFlow(input: $input) { execution { id } errors { field messages } } }`,
      { input: { integration: target.id, flow: 'sync' } },
    );
    const parentId = decodeGlobalId(started.runFlow.execution?.id ?? '')?.id;
    if (!parentId) throw new BenchmarkFailure(`runFlow: ${JSON.stringify(started)}`);
    let ended: { status: string; ended_at: Date } | undefined;
    for (const until = Date.now() + DEADLINE_MS; !ended && Date.now() < until;) {
      await sleep(250);
      const { rows } = await poller.query<{ status: string; ended_at: Date }>(
        `select status, ended_at from executions where id = $1 and ended_at is not null`,
        [parentId],
      );
      ended = rows[0];
    }
    await worker.stop();
    if (!ended) throw new BenchmarkFailure(`the fan-out did not end within ${DEADLINE_MS / 1000} s`);
    const fanOutMs = ended.ended_at.getTime() - sentAt;
    const peak = fake.peakConcurrency();
    await check(poller, parentId, ended.status, fake.appliedEffects('POST /records'), customers, peak);
    const plainAfter = await plainLoop();

    const plainMs = (plainBefore + plainAfter) / 2;
    console.log(
      table(
        ['run', `total for ${fmt(CUSTOMERS, 0)} customers`, 'calls/s'],
        [
          [`plain loop, ${CONCURRENCY} in flight (before)`, `${fmt(plainBefore / 1000, 2)} s`, fmt(CUSTOMERS / (plainBefore / 1000))],
          [`plain loop, ${CONCURRENCY} in flight (after)`, `${fmt(plainAfter / 1000, 2)} s`, fmt(CUSTOMERS / (plainAfter / 1000))],
          [`fan-out, maxConcurrency ${CONCURRENCY}`, `${fmt(fanOutMs / 1000, 2)} s`, fmt(CUSTOMERS / (fanOutMs / 1000))],
        ],
      ),
    );
    console.log(`fake API peak concurrency during the fan-out: ${peak} (limit ${CONCURRENCY}); upstream answers after ${UPSTREAM_MS} ms`);
    console.log(`Ratio plain loop total ÷ fan-out total: ${fmt(plainMs / fanOutMs, 3)}`);
  } finally {
    await poller.end();
    await fake.close();
  }
}

/** The flow and connection, set up over the API as a vendor would; customers come from `seedFanOutCustomers`. */
async function setUp(env: BenchEnv, org: Awaited<ReturnType<typeof seedOrganization>>, baseUrl: string) {
  const api = env.api.url;
  const stableKey = `bench-fan-out-${randomUUID().slice(0, 8)}`;
  const components = await gqlData(api, org.token, `query { components(key: "acme-api") { nodes { connections { nodes { id key } } } } }`);
  const connection = components.components.nodes[0]?.connections.nodes.find((c: { key: string }) => c.key === 'api-key')?.id;
  const scv = await gqlData(
    api,
    org.token,
    `mutation($input: CreateScopedConfigVariableInput!) { createScopedConfigVariable(input: $input) { scopedConfigVariable { id } errors { field messages } } }`,
    { input: { key: 'Acme', stableKey, variableScope: 'customer', connection, inputs: [{ name: 'baseUrl', type: 'value', value: baseUrl }] } },
  );
  const scvId = scv.createScopedConfigVariable.scopedConfigVariable?.id as string | undefined;
  if (!scvId) throw new BenchmarkFailure(`createScopedConfigVariable: ${JSON.stringify(scv)}`);
  const definition = fanOutDefinition(stableKey, `{ type: api, fanOut: { to: customers, maxConcurrency: ${CONCURRENCY} } }`);
  const imported = await gqlData(
    api,
    org.token,
    `mutation($d: String!) { importIntegration(input: { definition: $d }) { integration { id } errors { field messages } } }`,
    { d: definition },
  );
  const id = imported.importIntegration.integration?.id as string | undefined;
  if (!id) throw new BenchmarkFailure(`importIntegration: ${JSON.stringify(imported)}`);
  await gqlData(api, org.token, `mutation($id: ID!) { publishIntegration(input: { id: $id }) { errors { field messages } } }`, { id });
  const integrationId = decodeGlobalId(id)!.id;
  return {
    id,
    integrationId,
    versionId: await newestVersionOf(env.database.db, integrationId),
    scopedConfigVariableId: decodeGlobalId(scvId)!.id,
    connectionStableKey: stableKey,
  };
}

async function check(
  poller: pg.Pool,
  parentId: string,
  status: string,
  applied: readonly { json?: unknown }[],
  customers: { externalId: string }[],
  peak: number,
) {
  if (status !== 'SUCCEEDED') throw new BenchmarkFailure(`the fan-out ended ${status}`);
  const { rows } = await poller.query<{ n: number }>(
    `select count(distinct instance_id)::int as n from executions where parent_execution_id = $1 and status = 'SUCCEEDED'`,
    [parentId],
  );
  if (rows[0]!.n !== customers.length) throw new BenchmarkFailure(`${rows[0]!.n} of ${customers.length} children succeeded`);
  const names = new Set(applied.map((request) => (request.json as { name: string }).name));
  if (applied.length !== customers.length || names.size !== customers.length) {
    throw new BenchmarkFailure(`the fake applied ${applied.length} records for ${names.size} customers, expected ${customers.length} each once`);
  }
  if (peak > CONCURRENCY) throw new BenchmarkFailure(`peak concurrency ${peak} exceeded the limit ${CONCURRENCY}`);
}
