/**
 * Reads (issue 14): four queries over real HTTP against the API and against a hand-written baseline that
 * answers the same JSON with one SQL statement per request (what PostGraphile v5 does; PostGraphile itself
 * needs Node ≥ 22.15 and this machine runs Node 20, so it is not run here). The load client and the baseline
 * server each run in a child process of their own, so this process does only the API server's work.
 * Interleaved rounds, medians.
 */
import { forkBenchChild } from './child';
import { profileCpu } from './cpu-profile';
import type { LoadReply, LoadRequest } from './load-client';
import type { BaselineRequest, BaselineShape } from './read-baseline-server';
import { BenchmarkFailure, CONCURRENCY, fmt, gqlData, median, seedOrganization, table, type BenchEnv, type BenchOrg } from './support';

const REQUESTS = 400;
const ROUNDS = 3;
const SIZES = [100, 10_000];

type Case = {
  name: string;
  query: string;
  /** The baseline server's answer for this query. */
  baseline: BaselineShape;
  /** What both answers must agree on (e.g. the number of nodes). */
  check: (data: any) => unknown;
};

const nodesOf = (data: any) => (Object.values(data)[0] as { nodes: unknown[] }).nodes.length;

const cases = (size: number): Case[] => [
  { name: '{ __typename } with a token', query: '{ __typename }', baseline: 'typename', check: (data) => data.__typename },
  {
    name: 'customers(externalId:)',
    query: `{ customers(externalId: "c-${size - 1}") { nodes { id name externalId } } }`,
    baseline: 'customerByExternalId',
    check: (data) => data.customers.nodes[0]?.externalId,
  },
  {
    name: `customerConfigVariables(first: 50), ${size} values`,
    query: '{ customerConfigVariables(first: 50) { nodes { id key isTest } } }',
    baseline: 'valuesPage',
    check: nodesOf,
  },
  {
    name: `nested: values with customer and connection, ${size} values`,
    query: `{ customerConfigVariables(first: 50) { nodes { id customer { id name externalId } scopedConfigVariable { id key stableKey } } } }`,
    baseline: 'valuesWithParents',
    check: nodesOf,
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

async function rate(client: LoadClient, url: string, token: string, query: string) {
  const { ms, failures, firstFailure } = await client.ask({ url, token, query, requests: REQUESTS, concurrency: CONCURRENCY });
  if (failures > 0) throw new BenchmarkFailure(`${failures} of ${REQUESTS} requests to ${url} failed, e.g. ${firstFailure}`);
  return (REQUESTS * 1000) / ms;
}

export async function run(env: BenchEnv) {
  const statements: string[] = [];
  const counted = await env.startApi({ onQuery: (sql) => statements.push(sql) });
  const client = await forkBenchChild<LoadRequest, LoadReply>('./load-client.ts');
  const baseline = await forkBenchChild<BaselineRequest, { url: string }>('./read-baseline-server.ts', [env.databaseUrl]);
  const results: (string | number)[][] = [];
  const ratios = new Map<string, number>();
  try {
    for (const size of SIZES) {
      const org = await seedValues(env, size);
      for (const c of cases(size)) {
        if (size !== SIZES[0] && c.name.startsWith('{')) continue;
        const { url: baselineUrl } = await baseline.ask({ shape: c.baseline, orgId: org.orgId, size });
        const [api, base] = [await gqlData(env.api.url, org.token, c.query), await gqlData(baselineUrl, org.token, c.query)];
        if (JSON.stringify(c.check(api)) !== JSON.stringify(c.check(base)) || c.check(api) == null) {
          throw new BenchmarkFailure(`${c.name}: API ${JSON.stringify(c.check(api))} vs baseline ${JSON.stringify(c.check(base))}`);
        }
        for (let i = 0; i < 3; i++) await gqlData(counted.url, org.token, c.query);
        statements.length = 0;
        await gqlData(counted.url, org.token, c.query);
        const sql = statements.length;
        const apiRates: number[] = [];
        const baseRates: number[] = [];
        for (let round = 0; round < ROUNDS; round++) {
          apiRates.push(await rate(client, env.api.url, org.token, c.query));
          baseRates.push(await rate(client, baselineUrl, org.token, c.query));
        }
        ratios.set(c.name, median(apiRates));
        results.push([c.name, sql, fmt(median(apiRates), 0), fmt(median(baseRates), 0), fmt(median(apiRates) / median(baseRates), 2)]);
      }
    }
    console.log(`${REQUESTS} requests × ${ROUNDS} interleaved rounds per side, ${CONCURRENCY} in flight from a client in a child process; medians`);
    console.log('baseline: a hand-written one-statement server in its own child process (PostGraphile v5 needs Node ≥ 22.15: not run)');
    console.log(table(['query', 'SQL/request', 'API req/s', 'baseline req/s', 'ratio'], results));
    for (const shape of ['customerConfigVariables(first: 50)', 'nested: values with customer and connection']) {
      const small = ratios.get(`${shape}, ${SIZES[0]} values`)!;
      const large = ratios.get(`${shape}, ${SIZES[1]} values`)!;
      console.log(`flatness ${shape}: req/s at ${SIZES[0]} ÷ at ${SIZES[1]} values = ${fmt(small / large, 2)} (target ≤ 1.5)`);
    }
    await profileTrivialQuery(env, client);
  } finally {
    await client.close();
    await baseline.close();
  }
}

/**
 * Where the API server's CPU time goes for `{ __typename }` with a token: self time by package or source
 * folder, sampled in this process, which only serves (the client is a child process).
 */
async function profileTrivialQuery(env: BenchEnv, client: LoadClient) {
  const org = await seedOrganization(env, 'reads-profile');
  const { selfByPlace } = await profileCpu(async () => {
    for (let i = 0; i < 2; i++) await rate(client, env.api.url, org.token, '{ __typename }');
  });
  const top = selfByPlace.slice(0, 12);
  console.log(`\nCPU profile of { __typename } with a token (the server process alone; self time):`);
  console.log(
    table(
      ['where', 'share'],
      top.map(([where, share]) => [where, `${fmt(share, 1)} %`]),
    ),
  );
}
