/**
 * Tenant sync: planSync + applySync over real HTTP of one bundle with 100 integrations (each
 * published), one reusable connection, 1,000 customers and 1,000 deployed instances into an empty
 * organization, then a second plan that must report 0 changes.
 *
 * Baseline, same run: the same objects created in another empty organization by single GraphQL mutations
 * (createScopedConfigVariable, importIntegration + publishIntegration per integration, createCustomer,
 * createInstance + deployInstance per instance), 8 requests in flight. Ratio = baseline time ÷ sync time.
 */
import { sql } from 'drizzle-orm';
import { encodeGlobalId } from '../src/lib/global-id';
import { BenchmarkFailure, CONCURRENCY, fmt, gqlData, runPool, seedOrganization, table, timed, type BenchEnv } from './support';

const INTEGRATIONS = 100;
const CUSTOMERS = 1_000;
/** One transaction of ~50,000 statements; far above the usual per-request timeout. */
const APPLY_TIMEOUT_MS = 600_000;

const definition = (i: number) => `name: Bench integration ${i}
stableKey: bench-${i}
requiredConfigVars:
  - key: Acme
    dataType: connection
    useScopedConfigVar: acme-bench
  - key: Region
    dataType: string
flows:
  - name: Create
    stableKey: create
    trigger:
      type: webhook
    steps:
      - name: Create
        action:
          component: acme-api
          key: create-record
        connection: Acme
        inputs:
          name: "{{ trigger.body.name }}"
`;

const indent = (text: string, spaces: number) =>
  text
    .split('\n')
    .map((line) => (line ? ' '.repeat(spaces) + line : line))
    .join('\n');

function bundle(): string {
  const lines = [
    'bundleVersion: 1',
    'connections:',
    '  - { stableKey: acme-bench, key: Acme bench, variableScope: customer, managedBy: org, component: acme-api, connection: api-key,',
    '      inputs: [{ name: apiKey, scope: customer }, { name: baseUrl, scope: org, value: "http://127.0.0.1:9" }] }',
    'integrations:',
  ];
  for (let i = 0; i < INTEGRATIONS; i++) lines.push('  - published: true', '    definition: |', indent(definition(i), 6).trimEnd());
  lines.push('customers:');
  for (let c = 0; c < CUSTOMERS; c++) lines.push(`  - { externalId: bench-c-${c}, name: Bench customer ${c}, labels: [] }`);
  lines.push('instances:');
  for (let c = 0; c < CUSTOMERS; c++) {
    lines.push(`  - { customer: bench-c-${c}, integration: bench-${c % INTEGRATIONS}, name: Bench instance, deployed: true, values: { Region: r-${c} } }`);
  }
  return `${lines.join('\n')}\n`;
}

const PLAN = `query($b: String!) { planSync(bundle: $b) { planHash changes problems { kind object message } } }`;
const APPLY = `mutation($b: String!, $h: String!) { applySync(input: { bundle: $b, planHash: $h }) { result { changes } errors { field messages } } }`;

async function applyOverHttp(url: string, token: string, text: string, planHash: string) {
  const response = await fetch(`${url}/api`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: APPLY, variables: { b: text, h: planHash } }),
    signal: AbortSignal.timeout(APPLY_TIMEOUT_MS),
  });
  const body = (await response.json()) as { data?: { applySync: { result: { changes: number } | null; errors: unknown[] } } };
  if (!body.data?.applySync.result) throw new BenchmarkFailure(`applySync failed: ${JSON.stringify(body).slice(0, 1000)}`);
  return body.data.applySync.result.changes;
}

/** The rows the two ways must both have produced. */
async function counts(env: BenchEnv, orgId: string) {
  const result = await env.database.db.execute<{ integrations: number; versions: number; customers: number; instances: number; deployed: number }>(sql`
    select (select count(*)::int from integrations where org_id = ${orgId}) as integrations,
           (select count(*)::int from integration_versions where org_id = ${orgId}) as versions,
           (select count(*)::int from customers where org_id = ${orgId}) as customers,
           (select count(*)::int from instances where org_id = ${orgId}) as instances,
           (select count(*)::int from instances where org_id = ${orgId} and deployed_version_id is not null) as deployed`);
  return result.rows[0]!;
}

async function singleMutations(env: BenchEnv, token: string) {
  const api = env.api.url;
  const mutate = async (query: string, variables: Record<string, unknown>, field: string) => {
    const data = await gqlData(api, token, query, variables);
    if (data[field].errors.length > 0) throw new BenchmarkFailure(`${field}: ${JSON.stringify(data[field].errors)}`);
    return data[field];
  };
  const components = await gqlData(api, token, `{ components(key: "acme-api") { nodes { connections { nodes { id key } } } } }`);
  const connection = components.components.nodes[0].connections.nodes.find((c: { key: string }) => c.key === 'api-key').id;
  await mutate(
    `mutation($input: CreateScopedConfigVariableInput!) { createScopedConfigVariable(input: $input) { errors { field messages } } }`,
    {
      input: {
        key: 'Acme bench',
        stableKey: 'acme-bench',
        variableScope: 'customer',
        connection,
        inputs: [{ name: 'baseUrl', type: 'value', value: 'http://127.0.0.1:9', meta: '{"inputScope":"org"}' }],
      },
    },
    'createScopedConfigVariable',
  );
  const integrationIds = await runPool(INTEGRATIONS, CONCURRENCY, async (i) => {
    const imported = await mutate(
      `mutation($d: String!) { importIntegration(input: { definition: $d }) { integration { id } errors { field messages } } }`,
      { d: definition(i) },
      'importIntegration',
    );
    await mutate(
      `mutation($id: ID!) { publishIntegration(input: { id: $id }) { errors { field messages } } }`,
      { id: imported.integration.id },
      'publishIntegration',
    );
    return imported.integration.id as string;
  });
  const customerIds = await runPool(CUSTOMERS, CONCURRENCY, async (c) => {
    const created = await mutate(
      `mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { customer { id } errors { field messages } } }`,
      { input: { name: `Bench customer ${c}`, externalId: `bench-c-${c}` } },
      'createCustomer',
    );
    return created.customer.id as string;
  });
  await runPool(CUSTOMERS, CONCURRENCY, async (c) => {
    const created = await mutate(
      `mutation($input: CreateInstanceInput!) { createInstance(input: $input) { instance { id } errors { field messages } } }`,
      {
        input: {
          name: 'Bench instance',
          integration: integrationIds[c % INTEGRATIONS],
          customer: customerIds[c] ?? encodeGlobalId('Customer', ''),
          configVariables: [{ key: 'Region', value: `r-${c}` }],
        },
      },
      'createInstance',
    );
    await mutate(`mutation($id: ID!) { deployInstance(input: { id: $id }) { errors { field messages } } }`, { id: created.instance.id }, 'deployInstance');
  });
  return 1 + 2 * INTEGRATIONS + CUSTOMERS + 2 * CUSTOMERS;
}

export async function run(env: BenchEnv) {
  const text = bundle();
  const target = await seedOrganization(env, 'bench-sync');
  const baselineOrg = await seedOrganization(env, 'bench-sync-baseline');
  const api = env.api.url;
  console.log(`bundle: ${fmt(text.length / 1024, 0)} KB (${INTEGRATIONS} integrations, ${CUSTOMERS} customers, ${CUSTOMERS} instances)`);

  const planned = await timed(() => gqlData(api, target.token, PLAN, { b: text }));
  const plan = planned.result.planSync;
  if (plan.problems.length > 0) throw new BenchmarkFailure(`plan has problems: ${JSON.stringify(plan.problems.slice(0, 3))}`);
  const expected = 1 + INTEGRATIONS + 2 * CUSTOMERS;
  if (plan.changes !== expected) throw new BenchmarkFailure(`plan lists ${plan.changes} changes, expected ${expected}`);
  const applied = await timed(() => applyOverHttp(api, target.token, text, plan.planHash));
  if (applied.result !== expected) throw new BenchmarkFailure(`apply made ${applied.result} changes`);
  const replanned = await timed(() => gqlData(api, target.token, PLAN, { b: text }));
  if (replanned.result.planSync.changes !== 0) throw new BenchmarkFailure(`second plan lists ${replanned.result.planSync.changes} changes`);

  const baseline = await timed(() => singleMutations(env, baselineOrg.token));
  const [synced, created] = [await counts(env, target.orgId), await counts(env, baselineOrg.orgId)];
  if (JSON.stringify(synced) !== JSON.stringify(created) || synced.deployed !== CUSTOMERS) {
    throw new BenchmarkFailure(`rows differ: sync ${JSON.stringify(synced)}, mutations ${JSON.stringify(created)}`);
  }

  const syncMs = planned.ms + applied.ms;
  console.log(
    table(
      ['step', 'seconds'],
      [
        ['planSync (empty target)', fmt(planned.ms / 1000, 2)],
        ['applySync (one transaction)', fmt(applied.ms / 1000, 2)],
        ['planSync again (0 changes)', fmt(replanned.ms / 1000, 2)],
        [`baseline: ${baseline.result} single mutations, ${CONCURRENCY} in flight`, fmt(baseline.ms / 1000, 2)],
      ],
    ),
  );
  console.log(`rows in both organizations: ${JSON.stringify(synced)}`);
  console.log(`ratio (single mutations ÷ plan + apply): ${fmt(baseline.ms / syncMs, 2)}×`);
}
