/**
 * Nested reads: 100 organization-activated connections (acme-api / api-key), each with values for 5
 * customers (apiKey, a PASSWORD, and baseUrl, shown decrypted), read through
 * `scopedConfigVariables(key_Icontains:, first: P)` with the component connection's inputs, the connection's
 * own inputs and `customerConfigVariables(first: 5)` with their customers and inputs, for P in 1, 10, 50, 100;
 * and the org-wide `customerConfigVariables(first: P)` list. A dedicated server counts every SQL statement of
 * a request (the `onQuery` hook of connectDatabase): the count must not depend on P, or the run fails.
 * Baseline, same run: the median time per listed connection at P=100 against P=1.
 * Also the seed's own query, `scopedConfigVariables(stableKey: "acme-api-key")`, verbatim.
 */
import { createCustomer } from '../src/domain/customers/customers';
import { encodeGlobalId } from '../src/lib/global-id';
import {
  abbreviate,
  BenchmarkFailure,
  CONCURRENCY,
  fmt,
  gqlData,
  listStatements,
  median,
  runPool,
  seedOrganization,
  table,
  timed,
  type BenchEnv,
} from './support';

const CONNECTIONS = 100;
const CUSTOMERS_PER_CONNECTION = 5;
const PAGE_SIZES = [1, 10, 50, 100] as const;
const WARMUP_RUNS = 3;
const TIMED_RUNS = 21;
const COUNTED_RUNS = 3;
const PREFIX = 'Nested bench';

const NESTED = `query($q: String, $first: Int) {
  scopedConfigVariables(key_Icontains: $q, first: $first) {
    nodes {
      id key stableKey
      connection { inputs { nodes { id key } } }
      inputs { nodes { name value hasValue } }
      customerConfigVariables(first: 5) {
        totalCount
        nodes { id customer { id name } inputs { nodes { name value hasValue } } }
      }
    }
  }
}`;

const TOP_LEVEL = `query($first: Int) {
  customerConfigVariables(first: $first) {
    totalCount
    nodes { id customer { id name } scopedConfigVariable { key stableKey } inputs { nodes { name value hasValue } } }
  }
}`;

// The second step of seed 001, character for character (as in test/api/scoped-connections.test.ts).
const SEED = `query {
scopedConfigVariables(stableKey: "acme-api-key") {
nodes {
id
key
stableKey
connection {
inputs {
nodes {
id
key
}
}
}
}
}
}`;

type Shape = { name: string; query: string; variables: (p: number) => Record<string, unknown>; check: (data: any, p: number) => string | null };

const inputsOk = (nodes: { name: string; value: string | null; hasValue: boolean }[]) =>
  nodes.length === 2 &&
  nodes[0]!.name === 'apiKey' &&
  nodes[0]!.value === null &&
  nodes[0]!.hasValue &&
  /^https:\/\/acme-\d+\.example$/.test(nodes[1]!.value ?? '');

const shapes: Shape[] = [
  {
    name: 'scopedConfigVariables(key_Icontains, first: P), nested',
    query: NESTED,
    variables: (p) => ({ q: PREFIX.toLowerCase(), first: p }),
    check: (data, p) => {
      const nodes = data.scopedConfigVariables.nodes as any[];
      if (nodes.length !== p) return `expected ${p} connections, got ${nodes.length}`;
      for (const scv of nodes) {
        if (scv.connection.inputs.nodes.map((n: { key: string }) => n.key).join() !== 'apiKey,baseUrl') return `connection inputs of ${scv.key}`;
        if (scv.inputs.nodes.length !== 2) return `inputs of ${scv.key}`;
        const ccvs = scv.customerConfigVariables;
        if (ccvs.totalCount !== CUSTOMERS_PER_CONNECTION || ccvs.nodes.length !== CUSTOMERS_PER_CONNECTION)
          return `customerConfigVariables of ${scv.key}: ${ccvs.totalCount}`;
        for (const ccv of ccvs.nodes) {
          if (!ccv.customer?.name?.startsWith('Nested customer')) return `customer of ${ccv.id}`;
          if (!inputsOk(ccv.inputs.nodes)) return `inputs of ${ccv.id}: ${JSON.stringify(ccv.inputs.nodes)}`;
        }
      }
      return null;
    },
  },
  {
    name: 'customerConfigVariables(first: P)',
    query: TOP_LEVEL,
    variables: (p) => ({ first: p }),
    check: (data, p) => {
      const { totalCount, nodes } = data.customerConfigVariables as { totalCount: number; nodes: any[] };
      if (totalCount !== CONNECTIONS * CUSTOMERS_PER_CONNECTION || nodes.length !== p)
        return `expected ${p} of ${CONNECTIONS * CUSTOMERS_PER_CONNECTION}, got ${nodes.length} of ${totalCount}`;
      for (const ccv of nodes) {
        if (!ccv.customer?.name || !ccv.scopedConfigVariable?.key.startsWith(PREFIX)) return `customer/connection of ${ccv.id}`;
        if (!inputsOk(ccv.inputs.nodes)) return `inputs of ${ccv.id}: ${JSON.stringify(ccv.inputs.nodes)}`;
      }
      return null;
    },
  },
];

export async function run(env: BenchEnv) {
  const org = await seedOrganization(env, 'bench-nested');
  const api = env.api.url;

  const components = await gqlData(api, org.token, `query($key: String) { components(key: $key) { nodes { connections { nodes { id key } } } } }`, {
    key: 'acme-api',
  });
  const connection = components.components.nodes[0]?.connections.nodes.find((c: { key: string }) => c.key === 'api-key')?.id as string | undefined;
  if (!connection) throw new BenchmarkFailure('no acme-api/api-key connection');

  // Setup (not measured): 100 connections, 500 customers, 5 values per connection, all through the API
  // except the customers. The first connection has the seed's stable key.
  const setup = await timed(async () => {
    const scvs = await runPool(CONNECTIONS, CONCURRENCY, async (i) => {
      const n = String(i).padStart(3, '0');
      const input = {
        key: `${PREFIX} ${n}`,
        stableKey: i === 0 ? 'acme-api-key' : `nested-bench-${n}`,
        variableScope: 'customer',
        managedBy: 'org',
        connection,
      };
      const data = await gqlData(
        api,
        org.token,
        `mutation($input: CreateScopedConfigVariableInput!) { createScopedConfigVariable(input: $input) { scopedConfigVariable { id } errors { field messages } } }`,
        { input },
      );
      const id = data.createScopedConfigVariable.scopedConfigVariable?.id as string | undefined;
      if (!id) throw new BenchmarkFailure(`createScopedConfigVariable: ${JSON.stringify(data)}`);
      return id;
    });
    const total = CONNECTIONS * CUSTOMERS_PER_CONNECTION;
    const customers = await runPool(total, CONCURRENCY, (i) =>
      createCustomer(env.database.db, org.admin, { name: `Nested customer ${i}`, externalId: `nested-${i}` }),
    );
    await runPool(total, CONCURRENCY, async (i) => {
      const input = {
        scopedConfigVariable: scvs[Math.floor(i / CUSTOMERS_PER_CONNECTION)],
        customer: encodeGlobalId('Customer', customers[i]!.id),
        inputs: [
          { name: 'apiKey', type: 'value', value: `secret-${i}` },
          { name: 'baseUrl', type: 'value', value: `https://acme-${i}.example` },
        ],
      };
      const data = await gqlData(
        api,
        org.token,
        `mutation($input: CreateCustomerConfigVariableInput!) { createCustomerConfigVariable(input: $input) { customerConfigVariable { id } errors { field messages } } }`,
        { input },
      );
      if (data.createCustomerConfigVariable.errors.length) throw new BenchmarkFailure(`createCustomerConfigVariable: ${JSON.stringify(data)}`);
    });
  });
  console.log(`setup: ${CONNECTIONS} connections, ${CONNECTIONS * CUSTOMERS_PER_CONNECTION} customers and values in ${fmt(setup.ms / 1000)} s (not measured)`);

  let statements: string[] = [];
  // Without the token cache: whether a request finds its token cached depends on timing, not on the page size.
  const counting = await env.startApi({ onQuery: (sql) => statements.push(sql), tokenCache: false });
  const countOnce = async (query: string, variables: Record<string, unknown>) => {
    statements = [];
    await gqlData(counting.url, org.token, query, variables);
    return statements;
  };
  const measure = async (query: string, variables: Record<string, unknown>, check: (data: any) => string | null) => {
    for (let i = 0; i < WARMUP_RUNS; i++) {
      const problem = check(await gqlData(api, org.token, query, variables));
      if (problem) throw new BenchmarkFailure(`wrong answer: ${problem}`);
    }
    const times: number[] = [];
    for (let i = 0; i < TIMED_RUNS; i++) times.push((await timed(() => gqlData(api, org.token, query, variables))).ms);
    const counts: string[][] = [];
    for (let i = 0; i < COUNTED_RUNS; i++) counts.push(await countOnce(query, variables));
    return { ms: median(times), counts };
  };

  const problems: string[] = [];
  try {
    for (const shape of shapes) {
      const rows: (string | number)[][] = [];
      const byPage = new Map<number, { ms: number; counts: string[][] }>();
      for (const p of PAGE_SIZES) {
        const result = await measure(shape.query, shape.variables(p), (data) => shape.check(data, p));
        byPage.set(p, result);
        const distinct = [...new Set(result.counts.map((c) => c.length))];
        rows.push([p, distinct.join('/'), fmt(result.ms, 2), fmt(result.ms / p, 3)]);
      }
      console.log(
        `\n${shape.name}  (median of ${TIMED_RUNS} sequential requests after ${WARMUP_RUNS} warm-up; statements counted ${COUNTED_RUNS}× on a dedicated server)`,
      );
      console.log(table(['page size', 'SQL statements/request', 'median ms', 'ms per node'], rows));
      const one = byPage.get(1)!;
      const hundred = byPage.get(100)!;
      console.log(`ratio (ms per node at P=100 ÷ ms per node at P=1): ${fmt(hundred.ms / 100 / one.ms, 3)}`);
      console.log(`statements of one request at P=100:\n${listStatements(hundred.counts[0]!)}`);

      const all = [...byPage.values()].flatMap((r) => r.counts.map((c) => c.length));
      if (new Set(all).size > 1) {
        problems.push(
          `${shape.name}: SQL statements per request vary with page size (${[...byPage].map(([p, r]) => `P=${p}: ${r.counts.map((c) => c.length).join('/')}`).join(', ')})`,
        );
        console.log(describeDifference(one.counts[0]!, hundred.counts[0]!));
      }
    }

    const seedCheck = (data: any) => {
      const nodes = data.scopedConfigVariables.nodes as any[];
      return nodes.length === 1 &&
        nodes[0].id.startsWith('U2Nvc') &&
        nodes[0].connection.inputs.nodes.map((n: { key: string }) => n.key).join() === 'apiKey,baseUrl'
        ? null
        : JSON.stringify(data);
    };
    const seed = await measure(SEED, {}, seedCheck);
    console.log(`\nseed query scopedConfigVariables(stableKey: "acme-api-key"), verbatim`);
    console.log(
      table(['query', 'SQL statements/request', 'median ms'], [['seed 001 step 2', [...new Set(seed.counts.map((c) => c.length))].join('/'), fmt(seed.ms, 2)]]),
    );
    console.log(`statements:\n${listStatements(seed.counts[0]!)}`);
  } finally {
    await counting.close();
  }
  if (problems.length > 0) throw new BenchmarkFailure(`N+1 found:\n  ${problems.join('\n  ')}`);
  console.log('\nOK: the number of SQL statements per request does not depend on the page size.');
}

/** Which statements a P=100 request issues more often than a P=1 request: the N+1 pattern to report. */
function describeDifference(small: string[], large: string[]) {
  const tally = (list: string[]) => list.reduce((m, s) => m.set(abbreviate(s), (m.get(abbreviate(s)) ?? 0) + 1), new Map<string, number>());
  const a = tally(small);
  const b = tally(large);
  const lines = [...b].filter(([s, n]) => n !== (a.get(s) ?? 0)).map(([s, n]) => `  ${a.get(s) ?? 0} → ${n}×  ${s}`);
  return `statements whose count changes from P=1 to P=100:\n${lines.join('\n')}`;
}
