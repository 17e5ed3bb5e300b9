/**
 * Reads (issue 14): four queries over real HTTP against the API and against a hand-written baseline that
 * answers the same JSON with one SQL statement per request (what PostGraphile v5 does; PostGraphile itself
 * needs Node ≥ 22 and this machine runs Node 20, so it is not run here). Interleaved rounds, medians.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Session } from 'node:inspector/promises';
import type pg from 'pg';
import { encodeGlobalId } from '../src/lib/global-id';
import { BenchmarkFailure, CONCURRENCY, fmt, gqlData, median, runPool, seedOrganization, table, timed, type BenchEnv, type BenchOrg } from './support';

const REQUESTS = 400;
const ROUNDS = 3;
const SIZES = [100, 10_000];

type Case = {
  name: string;
  query: string;
  /** The baseline's one statement and the JSON it answers, given the organization. */
  baseline: (pool: pg.Pool, org: BenchOrg) => Promise<unknown>;
  /** What both answers must agree on (e.g. the number of nodes). */
  check: (data: any) => unknown;
};

const nodesOf = (data: any) => (Object.values(data)[0] as { nodes: unknown[] }).nodes.length;

const cases = (size: number): Case[] => [
  {
    name: '{ __typename } with a token',
    query: '{ __typename }',
    baseline: async () => ({ __typename: 'Query' }),
    check: (data) => data.__typename,
  },
  {
    name: 'customers(externalId:)',
    query: `{ customers(externalId: "c-${size - 1}") { nodes { id name externalId } } }`,
    baseline: async (pool, org) => {
      const { rows } = await pool.query('select id, name, external_id from customers where org_id = $1 and external_id = $2', [org.orgId, `c-${size - 1}`]);
      return { customers: { nodes: rows.map((r) => ({ id: encodeGlobalId('Customer', r.id), name: r.name, externalId: r.external_id })) } };
    },
    check: (data) => data.customers.nodes[0]?.externalId,
  },
  {
    name: `customerConfigVariables(first: 50), ${size} values`,
    query: '{ customerConfigVariables(first: 50) { nodes { id key isTest } } }',
    baseline: async (pool, org) => {
      const { rows } = await pool.query('select id, key, is_test from customer_config_variables where org_id = $1 order by created_at, id limit 50', [
        org.orgId,
      ]);
      return { customerConfigVariables: { nodes: rows.map((r) => ({ id: encodeGlobalId('CustomerConfigVariable', r.id), key: r.key, isTest: r.is_test })) } };
    },
    check: nodesOf,
  },
  {
    name: `nested: values with customer and connection, ${size} values`,
    query: `{ customerConfigVariables(first: 50) { nodes { id customer { id name externalId } scopedConfigVariable { id key stableKey } } } }`,
    baseline: async (pool, org) => {
      const { rows } = await pool.query(
        `select coalesce(json_agg(json_build_object('id', v.id, 'customer', json_build_object('id', c.id, 'name', c.name, 'externalId', c.external_id),
           'scopedConfigVariable', json_build_object('id', s.id, 'key', s.key, 'stableKey', s.stable_key)) order by v.created_at, v.id), '[]') as nodes
         from (select * from customer_config_variables where org_id = $1 order by created_at, id limit 50) v
         join customers c on c.id = v.customer_id join scoped_config_variables s on s.id = v.scoped_config_variable_id`,
        [org.orgId],
      );
      return { customerConfigVariables: { nodes: rows[0].nodes } };
    },
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

/** The baseline server: POST answers `{ data }` from one function; no GraphQL, no token check. */
async function startBaseline(pool: pg.Pool, org: BenchOrg) {
  let answer: Case['baseline'] = async () => null;
  const server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', async () => {
      JSON.parse(body);
      const data = await answer(pool, org);
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ data }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    use: (baseline: Case['baseline']) => (answer = baseline),
    close: () => new Promise<void>((resolve) => (server.close(() => resolve()), server.closeAllConnections())),
  };
}

async function rate(url: string, token: string, query: string) {
  const { ms } = await timed(() => runPool(REQUESTS, CONCURRENCY, () => gqlData(url, token, query)));
  return (REQUESTS * 1000) / ms;
}

export async function run(env: BenchEnv) {
  const statements: string[] = [];
  const counted = await env.startApi({ onQuery: (sql) => statements.push(sql) });
  const results: (string | number)[][] = [];
  const ratios = new Map<string, number>();
  for (const size of SIZES) {
    const org = await seedValues(env, size);
    const baseline = await startBaseline(env.database.pool, org);
    try {
      for (const c of cases(size)) {
        if (size !== SIZES[0] && c.name.startsWith('{')) continue;
        baseline.use(c.baseline);
        const [api, base] = [await gqlData(env.api.url, org.token, c.query), await gqlData(baseline.url, org.token, c.query)];
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
          apiRates.push(await rate(env.api.url, org.token, c.query));
          baseRates.push(await rate(baseline.url, org.token, c.query));
        }
        const ratio = median(apiRates) / median(baseRates);
        ratios.set(c.name, median(apiRates));
        results.push([c.name, sql, fmt(median(apiRates), 0), fmt(median(baseRates), 0), fmt(ratio, 2)]);
      }
    } finally {
      await baseline.close();
    }
  }
  console.log(`${REQUESTS} requests × ${ROUNDS} interleaved rounds per side, ${CONCURRENCY} in flight; medians`);
  console.log(table(['query', 'SQL/request', 'API req/s', 'baseline req/s', 'ratio'], results));
  for (const shape of ['customerConfigVariables(first: 50)', 'nested: values with customer and connection']) {
    const small = ratios.get(`${shape}, ${SIZES[0]} values`)!;
    const large = ratios.get(`${shape}, ${SIZES[1]} values`)!;
    console.log(`flatness ${shape}: req/s at ${SIZES[0]} ÷ at ${SIZES[1]} values = ${fmt(small / large, 2)} (target ≤ 1.5)`);
  }
  await profileTrivialQuery(env);
}

/** Where the API's CPU time goes for `{ __typename }` with a token: self time by package or source folder. */
async function profileTrivialQuery(env: BenchEnv) {
  const org = await seedOrganization(env, 'reads-profile');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  await runPool(REQUESTS * 2, CONCURRENCY, () => gqlData(env.api.url, org.token, '{ __typename }'));
  const { profile } = await session.post('Profiler.stop');
  session.disconnect();
  const self = new Map<string, number>();
  const ids = new Map(profile.nodes.map((node) => [node.id, node]));
  const dt = profile.timeDeltas ?? [];
  (profile.samples ?? []).forEach((id, i) => {
    const frame = ids.get(id)!.callFrame;
    const where = frame.url.includes('node_modules/')
      ? frame.url
          .split('node_modules/')
          .at(-1)!
          .split('/')
          .slice(0, frame.url.includes('node_modules/@') ? 2 : 1)
          .join('/')
      : frame.url.includes('/src/')
        ? `src/${frame.url.split('/src/')[1]!.split('/').slice(0, -1).join('/')}`
        : frame.url.includes('/bench/')
          ? 'bench (the HTTP client)'
          : frame.url
            ? 'node internals'
            : frame.functionName || '(program)';
    self.set(where, (self.get(where) ?? 0) + (dt[i] ?? 0));
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const top = [...self].sort((a, b) => b[1] - a[1]).slice(0, 12);
  console.log(`\nCPU profile of { __typename } with a token (client and server in this process; self time):`);
  console.log(
    table(
      ['where', 'share'],
      top.map(([where, us]) => [where, `${fmt((100 * us) / total, 1)} %`]),
    ),
  );
}
