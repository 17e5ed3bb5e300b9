/**
 * Provisioning: the vendor sets one credential per customer on an organization-activated connection with
 * `createCustomerConfigVariable`, over real HTTP, for 2,000 customers (8 requests in flight, sent by a client in a
 * child process).
 *
 * Baseline, same run: 2,000 rows of the same columns and a jsonb blob of the same shape and size (random
 * bytes instead of ciphertext) inserted with plain `pg`, one INSERT per row, 8 in flight: the raw cost of the
 * write without HTTP, GraphQL, validation, permission checks or encryption. It runs three rounds into a scratch
 * table with the same columns and indexes (`like customer_config_variables including all`); the median counts.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { createCustomer } from '../src/domain/customers/customers';
import { encodeGlobalId } from '../src/lib/global-id';
import { forkBenchChild } from './child';
import { profileCpu } from './cpu-profile';
import type { LoadReply, LoadRequest } from './load-client';
import { BenchmarkFailure, CONCURRENCY, fmt, gql, gqlData, runPool, seedOrganization, table, timed, listStatements, median, type BenchEnv } from './support';

const CUSTOMERS = 2_000;
/** Requests (and plain inserts) before the measured runs, on customers of their own, to warm both paths. */
const WARMUP = 100;
/** Sequential mutations sent to a server that counts SQL statements. */
const COUNTED = 5;
/** Rounds of the plain-insert baseline; the median round is the baseline figure. */
const BASELINE_ROUNDS = 3;
/** Mutations sent (8 in flight) while this process, the server, is CPU-profiled, after the measured run. */
const PROFILED = 500;

/**
 * The mutation's parts, by the function that does each (inclusive time: samples with it anywhere on the
 * stack, so the rows overlap). `writev` is every socket write: the SQL statements and the HTTP response.
 */
const PARTS: [string, string][] = [
  ['HTTP request parsing (yoga parseRequest)', 'parseRequest'],
  ['token authentication', 'authenticate'],
  ['GraphQL parse (document cache misses only)', 'parse@graphql/language'],
  ['GraphQL validate', 'validate@graphql/validation'],
  ['GraphQL execute (resolver included)', 'normalizedExecutor'],
  ['  createCustomerConfigVariable (domain)', 'createCustomerConfigVariable'],
  ['    input validation (checkExpressions)', 'checkExpressions'],
  ['    data key (new: generate and wrap; found: unwrap)', 'sealingKey'],
  ['    sealing (AES-GCM)', 'sealWith'],
  ['    lookup statement (send + row mapping)', 'lookUpProvisioning'],
  ['    insert statement (send + row mapping)', 'insertCustomerConfigVariable'],
  ['pg: reading replies (pg-protocol)', 'parse@pg-protocol'],
  ['socket writes (writev: SQL and response)', 'writev'],
  ['HTTP response (sendNodeResponse)', 'sendNodeResponse'],
  ['garbage collector', '(garbage collector)'],
  ['idle', '(idle)'],
];

const CREATE_CCV = `mutation($input: CreateCustomerConfigVariableInput!) {
  createCustomerConfigVariable(input: $input) {
    customerConfigVariable { id }
    errors { field messages }
  }
}`;

type Payload = { createCustomerConfigVariable: { customerConfigVariable: { id: string } | null; errors: { field: string; messages: string[] }[] } };

export async function run(env: BenchEnv) {
  const org = await seedOrganization(env, 'bench-provisioning');
  const api = env.api.url;

  // The acme-api "api-key" connection, found as a client finds it.
  const components = await gqlData(api, org.token, `query($key: String) { components(key: $key) { nodes { connections { nodes { id key } } } } }`, {
    key: 'acme-api',
  });
  const connection = components.components.nodes[0]?.connections.nodes.find((c: { key: string }) => c.key === 'api-key')?.id as string | undefined;
  if (!connection) throw new BenchmarkFailure('no acme-api/api-key connection');

  const created = await gqlData(
    api,
    org.token,
    `mutation($input: CreateScopedConfigVariableInput!) { createScopedConfigVariable(input: $input) { scopedConfigVariable { id } errors { field messages } } }`,
    { input: { key: 'Acme API key', stableKey: 'acme-api-key', variableScope: 'customer', managedBy: 'org', connection } },
  );
  const scvGlobalId = created.createScopedConfigVariable.scopedConfigVariable?.id as string | undefined;
  if (!scvGlobalId) throw new BenchmarkFailure(`createScopedConfigVariable failed: ${JSON.stringify(created)}`);

  // Customers are set up with the domain function (not measured): warm-up, counted and measured ones.
  const total = WARMUP + COUNTED + CUSTOMERS + PROFILED;
  const setup = await timed(() =>
    runPool(total, CONCURRENCY, (i) => createCustomer(env.database.db, org.admin, { name: `Bench customer ${i}`, externalId: `bench-${i}` })),
  );
  const customerIds = setup.result.map((customer) => customer.id);
  console.log(`setup: ${total} customers via createCustomer in ${fmt(setup.ms / 1000)} s (not measured)`);

  const provisionInput = (customerId: string) => ({
    scopedConfigVariable: scvGlobalId,
    customer: encodeGlobalId('Customer', customerId),
    inputs: [{ name: 'apiKey', type: 'value', value: `ak_${randomBytes(24).toString('base64url')}` }],
  });
  const provision = async (customerId: string, baseUrl: string) => {
    const body = await gql<Payload>(baseUrl, org.token, CREATE_CCV, { input: provisionInput(customerId) });
    const payload = body.data?.createCustomerConfigVariable;
    const ok = !body.errors?.length && payload?.errors.length === 0 && Boolean(payload.customerConfigVariable?.id.startsWith('Q3VzdG9tZXJDb25maWdWYXJpYWJsZ'));
    return { ok, body };
  };

  // Scratch table: the same columns and indexes as customer_config_variables (no foreign keys).
  await env.database.pool.query('drop table if exists bench_plain_ccv');
  await env.database.pool.query('create table bench_plain_ccv (like customer_config_variables including all)');
  const plain = new pg.Pool({ connectionString: env.databaseUrl, max: 10 });
  // The measured mutations come from a client in a child process: its CPU is not charged to the server.
  const client = await forkBenchChild<LoadRequest, LoadReply>('./load-client.ts');
  /** One mutation per customer, sent by the client in the child process, 8 in flight. */
  const provisionFromClient = (customers: string[]) =>
    client.ask({
      url: api,
      token: org.token,
      query: CREATE_CCV,
      variables: customers.map((customerId) => ({ input: provisionInput(customerId) })),
      requests: customers.length,
      concurrency: CONCURRENCY,
    });
  plain.on('error', () => {});
  const scvId = (
    await env.database.pool.query<{ id: string }>(`select id from scoped_config_variables where org_id = $1 and stable_key = 'acme-api-key'`, [org.orgId])
  ).rows[0]!.id;
  const plainInsert = (customerId: string) => {
    // Same shape as a sealed value ({ v, dk, iv, ct, tag } per input), random bytes instead of ciphertext.
    const values = {
      apiKey: {
        v: 1,
        dk: randomUUID(),
        iv: randomBytes(12).toString('base64'),
        ct: randomBytes(35).toString('base64'),
        tag: randomBytes(16).toString('base64'),
      },
    };
    return plain.query(
      `insert into bench_plain_ccv (id, org_id, scoped_config_variable_id, customer_id, is_test, key, "values", last_configured_at, created_at, updated_at)
       values ($1, $2, $3, $4, false, null, $5, now(), now(), now())`,
      [randomUUID(), org.orgId, scvId, customerId, JSON.stringify(values)],
    );
  };

  try {
    // Warm-up of both paths (connections, JIT, plan caches), then SQL statements per mutation.
    const warm = await runPool(WARMUP, CONCURRENCY, (i) => provision(customerIds[i]!, api));
    if (!warm.every((r) => r.ok)) throw new BenchmarkFailure(`warm-up mutation failed: ${JSON.stringify(warm.find((r) => !r.ok)?.body)}`);
    await runPool(WARMUP, CONCURRENCY, (i) => plainInsert(customerIds[i]!));

    let statements: string[] = [];
    const counting = await env.startApi({ onQuery: (sql) => statements.push(sql) });
    const perMutation: string[][] = [];
    try {
      for (let i = 0; i < COUNTED; i++) {
        statements = [];
        const r = await provision(customerIds[WARMUP + i]!, counting.url);
        if (!r.ok) throw new BenchmarkFailure(`counted mutation failed: ${JSON.stringify(r.body)}`);
        perMutation.push(statements);
      }
    } finally {
      await counting.close();
    }

    // The baseline takes well under a second, so one round is at the mercy of a hiccup: it runs three times
    // (once before the API run, twice after, emptied in between) and the ratio uses the median round.
    const measured = customerIds.slice(WARMUP + COUNTED, WARMUP + COUNTED + CUSTOMERS);
    const plainRound = async () => {
      await env.database.pool.query('truncate bench_plain_ccv');
      return (await timed(() => runPool(CUSTOMERS, CONCURRENCY, (i) => plainInsert(measured[i]!)))).ms;
    };
    const baselineMs = [await plainRound()];
    const viaApi = await provisionFromClient(measured);
    for (let round = 0; round < BASELINE_ROUNDS - 1; round++) baselineMs.push(await plainRound());
    const baseline = { ms: median(baselineMs) };

    // Every one of the 2,000 must have succeeded (errors: []) and be stored once.
    if (viaApi.failures > 0) throw new BenchmarkFailure(`${viaApi.failures} of ${CUSTOMERS} mutations failed, e.g. ${viaApi.firstFailure}`);
    const stored = await env.database.pool.query<{ n: string; bytes: string }>(
      `select count(*) as n, avg(octet_length("values"::text)) as bytes from customer_config_variables where scoped_config_variable_id = $1 and customer_id = any($2::uuid[])`,
      [scvId, measured],
    );
    const plainStored = await env.database.pool.query<{ n: string; bytes: string }>(
      `select count(*) as n, avg(octet_length("values"::text)) as bytes from bench_plain_ccv where customer_id = any($1::uuid[])`,
      [measured],
    );
    if (Number(stored.rows[0]!.n) !== CUSTOMERS) throw new BenchmarkFailure(`expected ${CUSTOMERS} stored values, found ${stored.rows[0]!.n}`);
    if (Number(plainStored.rows[0]!.n) !== CUSTOMERS) throw new BenchmarkFailure(`expected ${CUSTOMERS} plain rows, found ${plainStored.rows[0]!.n}`);

    const apiRate = CUSTOMERS / (viaApi.ms / 1000);
    const plainRate = CUSTOMERS / (baseline.ms / 1000);
    console.log(`${CUSTOMERS} customers, ${CONCURRENCY} requests in flight, server pool 10 connections, client in a child process, server in this one`);
    console.log(
      table(
        ['path', 'wall s', 'per s', 'values blob (bytes)'],
        [
          ['createCustomerConfigVariable over HTTP', fmt(viaApi.ms / 1000, 2), fmt(apiRate, 0), fmt(Number(stored.rows[0]!.bytes), 0)],
          ['baseline: plain pg INSERT (median round)', fmt(baseline.ms / 1000, 2), fmt(plainRate, 0), fmt(Number(plainStored.rows[0]!.bytes), 0)],
        ],
      ),
    );
    console.log(`baseline rounds (before, after, after the API run): ${baselineMs.map((ms) => `${fmt(CUSTOMERS / (ms / 1000), 0)}/s`).join(', ')}`);
    console.log(`SQL statements per mutation (${COUNTED} counted on a dedicated server): ${perMutation.map((list) => list.length).join(', ')}`);
    console.log(listStatements(perMutation[0]!));
    console.log(`ratio (API mutations/s ÷ plain inserts/s): ${fmt(apiRate / plainRate, 3)}  (all ${CUSTOMERS} succeeded with errors: [])`);

    // Where the server's CPU goes (its client is the child process): a run of its own, after the measured one.
    const profiled = customerIds.slice(WARMUP + COUNTED + CUSTOMERS);
    const cpuBefore = process.cpuUsage();
    let profiledMs = 0;
    const profile = await profileCpu(
      async () => {
        const reply = await provisionFromClient(profiled);
        if (reply.failures > 0) throw new BenchmarkFailure(`${reply.failures} profiled mutations failed, e.g. ${reply.firstFailure}`);
        profiledMs = reply.ms;
      },
      PARTS.map(([, name]) => name),
    );
    const cpu = process.cpuUsage(cpuBefore);
    console.log(
      `\nCPU profile of the server (this process) over ${PROFILED} more mutations: ${fmt((cpu.user + cpu.system) / 1000 / PROFILED, 2)} ms CPU per mutation, ${fmt(PROFILED / (profiledMs / 1000), 0)} mutations/s under the profiler`,
    );
    console.log(
      table(
        ['part (inclusive)', 'share'],
        PARTS.map(([label, name]) => [label, `${fmt(profile.inclusive.get(name)!, 1)} %`]),
      ),
    );
    console.log(
      table(
        ['where (self time)', 'share'],
        profile.selfByPlace.slice(0, 12).map(([where, share]) => [where, `${fmt(share, 1)} %`]),
      ),
    );
  } finally {
    await client.close();
    await plain.end();
    await env.database.pool.query('drop table if exists bench_plain_ccv').catch(() => {});
  }
}
