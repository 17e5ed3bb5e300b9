/**
 * Reads: four queries over real HTTP against the API and against two baselines on the same database
 * and rows: PostGraphile v5 (the target; run by the Node 22 of bench/postgraphile/, see
 * postgraphile-server.ts) asking the equivalent query in its own schema's names, and a hand-written server that
 * answers the same JSON with one SQL statement per request (a floor). Neither baseline checks a token. The load
 * client and both baselines run in child processes, so this process does only the API server's work.
 * Interleaved rounds, medians.
 */
import { forkBenchChild } from './child';
import { profileCpu } from './cpu-profile';
import type { LoadReply, LoadRequest } from './load-client';
import { startPostGraphile, type PostGraphileServer } from './postgraphile-server';
import type { BaselineRequest, BaselineShape } from './read-baseline-server';
import { BenchmarkFailure, CONCURRENCY, fmt, gqlData, median, seedOrganization, table, type BenchEnv, type BenchOrg } from './support';

const REQUESTS = 400;
const ROUNDS = 3;
const SIZES = [100, 10_000];

type Case = {
  name: string;
  query: string;
  /** The hand-written server's answer for this query. */
  baseline: BaselineShape;
  /** The same question in PostGraphile's schema (its tables' fields, the organization as a condition). */
  postgraphile: (orgId: string) => string;
  /** What every answer must agree on (e.g. the number of nodes). */
  check: (data: any) => unknown;
};

const nodesOf = (data: any) => (Object.values(data)[0] as { nodes: unknown[] }).nodes;

const cases = (size: number): Case[] => [
  {
    name: '{ __typename } with a token',
    query: '{ __typename }',
    baseline: 'typename',
    postgraphile: () => '{ __typename }',
    check: (data) => data.__typename,
  },
  {
    name: 'customers(externalId:)',
    query: `{ customers(externalId: "c-${size - 1}") { nodes { id name externalId } } }`,
    baseline: 'customerByExternalId',
    postgraphile: (orgId) => `{ allCustomers(condition: { orgId: "${orgId}", externalId: "c-${size - 1}" }) { nodes { id name externalId } } }`,
    check: (data) => (nodesOf(data)[0] as { externalId?: string } | undefined)?.externalId,
  },
  {
    name: `customerConfigVariables(first: 50), ${size} values`,
    query: '{ customerConfigVariables(first: 50) { nodes { id key isTest } } }',
    baseline: 'valuesPage',
    postgraphile: (orgId) =>
      `{ allCustomerConfigVariables(condition: { orgId: "${orgId}" }, first: 50, orderBy: [CREATED_AT_ASC, ROW_ID_ASC]) { nodes { id key isTest } } }`,
    check: (data) => nodesOf(data).length,
  },
  {
    name: `nested: values with customer and connection, ${size} values`,
    query: `{ customerConfigVariables(first: 50) { nodes { id customer { id name externalId } scopedConfigVariable { id key stableKey } } } }`,
    baseline: 'valuesWithParents',
    postgraphile: (orgId) =>
      `{ allCustomerConfigVariables(condition: { orgId: "${orgId}" }, first: 50, orderBy: [CREATED_AT_ASC, ROW_ID_ASC]) { nodes { id customerByCustomerId { id name externalId } scopedConfigVariableByScopedConfigVariableId { id key stableKey } } } }`,
    check: (data) => nodesOf(data).length,
  },
];

/** An organization with `size` customers, each with values for one connection (seeded in SQL: reads only). */
async function seedValues(env: BenchEnv, size: number): Promise<BenchOrg> {
  const org = await seedOrganization(env, `reads-${size}`);
  const pool = env.database.pool;
  const {
    rows: [scv],
  } = await pool.query(
    `insert into scoped_config_variables (org_id, key, stable_key, component_key, connection_key, variable_scope, managed_by, input_scopes, global_values)
     values ($1, 'Reads', 'reads', 'acme-api', 'api-key', 'customer', 'org', '{}', '{}') returning id`,
    [org.orgId],
  );
  await pool.query(`insert into customers (org_id, name, external_id) select $1, 'Customer ' || i, 'c-' || i from generate_series(0, $2 - 1) i`, [
    org.orgId,
    size,
  ]);
  await pool.query(
    `insert into customer_config_variables (org_id, scoped_config_variable_id, customer_id, values)
     select $1, $2, id, '{}' from customers where org_id = $1 order by external_id`,
    [org.orgId, scv.id],
  );
  await pool.query('analyze customers; analyze customer_config_variables');
  return org;
}

type LoadClient = { ask: (request: LoadRequest) => Promise<LoadReply> };

// The lean path answers only the usual Accept headers; this one sends the same query through yoga.
const VIA_YOGA = { accept: 'application/graphql-response+json' };

async function rate(client: LoadClient, url: string, token: string, query: string, headers?: Record<string, string>) {
  const { ms, failures, firstFailure } = await client.ask({ url, token, query, requests: REQUESTS, concurrency: CONCURRENCY, headers });
  if (failures > 0) throw new BenchmarkFailure(`${failures} of ${REQUESTS} requests to ${url} failed, e.g. ${firstFailure}`);
  return (REQUESTS * 1000) / ms;
}

export async function run(env: BenchEnv) {
  const statements: string[] = [];
  const counted = await env.startApi({ onQuery: (sql) => statements.push(sql) });
  const client = await forkBenchChild<LoadRequest, LoadReply>('./load-client.ts');
  const baseline = await forkBenchChild<BaselineRequest, { url: string }>('./read-baseline-server.ts', [env.databaseUrl]);
  const started = await startPostGraphile(env.databaseUrl);
  const postgraphile: PostGraphileServer | undefined = 'url' in started ? started : undefined;
  if (!postgraphile) console.log(`PostGraphile v5 not run: ${'unavailable' in started ? started.unavailable : ''}`);
  const results: (string | number)[][] = [];
  const ratios = new Map<string, number>();
  let largest: BenchOrg | undefined;
  try {
    for (const size of SIZES) {
      const org = await seedValues(env, size);
      largest = org;
      for (const c of cases(size)) {
        if (size !== SIZES[0] && c.name.startsWith('{')) continue;
        const { url: baselineUrl } = await baseline.ask({ shape: c.baseline, orgId: org.orgId, size });
        const pglQuery = c.postgraphile(org.orgId);
        const answers = [await gqlData(env.api.url, org.token, c.query), await gqlData(baselineUrl, org.token, c.query)];
        if (postgraphile) answers.push(await gqlData(postgraphile.url, org.token, pglQuery));
        const checks = answers.map((data) => JSON.stringify(c.check(data)));
        if (checks.some((check) => check !== checks[0]) || c.check(answers[0]) == null) {
          throw new BenchmarkFailure(`${c.name}: API, hand-written, PostGraphile answered ${checks.join(' vs ')}`);
        }
        for (let i = 0; i < 3; i++) await gqlData(counted.url, org.token, c.query);
        statements.length = 0;
        await gqlData(counted.url, org.token, c.query);
        const sql = statements.length;
        const apiRates: number[] = [];
        const yogaRates: number[] = [];
        const pglRates: number[] = [];
        const baseRates: number[] = [];
        for (let round = 0; round < ROUNDS; round++) {
          apiRates.push(await rate(client, env.api.url, org.token, c.query));
          yogaRates.push(await rate(client, env.api.url, org.token, c.query, VIA_YOGA));
          if (postgraphile) pglRates.push(await rate(client, postgraphile.url, org.token, pglQuery));
          baseRates.push(await rate(client, baselineUrl, org.token, c.query));
        }
        const [api, pgl, base] = [median(apiRates), postgraphile ? median(pglRates) : NaN, median(baseRates)];
        ratios.set(c.name, api);
        results.push([c.name, sql, fmt(api, 0), fmt(median(yogaRates), 0), fmt(pgl, 0), fmt(api / pgl, 2), fmt(base, 0), fmt(api / base, 2)]);
      }
    }
    console.log(`${REQUESTS} requests × ${ROUNDS} interleaved rounds per side, ${CONCURRENCY} in flight from a client in a child process; medians`);
    console.log(
      'baselines, each in its own child process: PostGraphile v5 (amber preset, Node 22; the target) and a hand-written one-statement server (a floor)',
    );
    console.log('API req/s: lean path for cached documents (the default); via yoga: the same API with the lean path bypassed (Accept header)');
    console.log(
      table(['query', 'SQL/request', 'API req/s', 'via yoga', 'PostGraphile req/s', '× PostGraphile', 'hand-written req/s', '× hand-written'], results),
    );
    for (const shape of ['customerConfigVariables(first: 50)', 'nested: values with customer and connection']) {
      const small = ratios.get(`${shape}, ${SIZES[0]} values`)!;
      const large = ratios.get(`${shape}, ${SIZES[1]} values`)!;
      console.log(`flatness ${shape}: req/s at ${SIZES[0]} ÷ at ${SIZES[1]} values = ${fmt(small / large, 2)} (target ≤ 1.5)`);
    }
    const [trivial, , , nested] = cases(SIZES.at(-1)!);
    for (const c of [trivial!, nested!]) await profileQuery(client, env.api.url, largest!, c);
  } finally {
    await client.close();
    await baseline.close();
    await postgraphile?.close();
  }
}

/**
 * Where the API server's CPU time goes for one query: self time by package or source folder, sampled in this
 * process, which only serves (the client is a child process).
 */
async function profileQuery(client: LoadClient, url: string, org: BenchOrg, c: Case) {
  const { selfByPlace } = await profileCpu(async () => {
    for (let i = 0; i < 2; i++) await rate(client, url, org.token, c.query);
  });
  const top = selfByPlace.slice(0, 12);
  console.log(`\nCPU profile of ${c.name} (the server process alone; self time):`);
  console.log(
    table(
      ['where', 'share'],
      top.map(([where, share]) => [where, `${fmt(share, 1)} %`]),
    ),
  );
}
