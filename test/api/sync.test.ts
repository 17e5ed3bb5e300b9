import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeyComponent } from '../support/components';
import { createHarness, gql, type Harness } from '../support/harness';
import { seedOrg, type SeededOrg } from '../support/seed';
import { eq, sql } from 'drizzle-orm';
import { userAuthentications } from '../../src/db/tables';
import { storeGrant } from '../../src/domain/oauth2/tokens';
import { scopedConnectionRef } from '../../src/domain/user-authentications/connection-refs';
import { decodeGlobalId } from '../../src/lib/global-id';
import { connectionId, CREATE_CCV, createScoped } from '../support/connections';
import { buildSource, createTargetSecrets, integrationDefinition, SYNC_SECRETS, type Call } from '../support/sync-source';

// Export, plan and apply through GraphQL between two organizations of one database (the
// two-server test in test/engine/sync-two-tenants.test.ts does the same across two real tenants).

const BASE_URL = 'http://127.0.0.1:9/acme';
const EXPORT = `query($c: Boolean) { exportBundle(includeCustomers: $c) }`;
const PLAN = `query($b: String!) { planSync(bundle: $b) { planHash changes items { kind key action fields notes } problems { kind object message } } }`;
const APPLY = `mutation($b: String!, $h: String!) { applySync(input: { bundle: $b, planHash: $h }) { result { changes items { kind key action } } errors { field messages } } }`;

const IMPORT_COMPONENT = `mutation($d: String!) { importComponent(input: { definition: $d }) { errors { field messages } } }`;
let h: Harness;
let source: SeededOrg;
let bundle: string;

const caller =
  (org: SeededOrg): Call =>
  (query, variables = {}) =>
    gql(h.app, query, variables, org.adminToken);

async function plan(org: SeededOrg, text = bundle) {
  const res = await gql(h.app, PLAN, { b: text }, org.adminToken);
  if (!res.data?.planSync) throw new Error(JSON.stringify(res));
  return res.data.planSync as { planHash: string; changes: number; items: any[]; problems: any[] };
}

const apply = async (org: SeededOrg, planHash: string, text = bundle) => (await gql(h.app, APPLY, { b: text, h: planHash }, org.adminToken)).data.applySync;

/** Rows per table of one organization: what "nothing is written" is checked against. */
async function rowCounts(orgId: string) {
  const tables = [
    'integrations',
    'integration_versions',
    'scoped_config_variables',
    'customer_config_variables',
    'env_variables',
    'customers',
    'instances',
    'instance_flow_configs',
    'components',
  ];
  const counts: Record<string, number> = {};
  for (const table of tables) {
    const result = await h.database.db.execute<{ n: number }>(sql`select count(*)::int as n from ${sql.identifier(table)} where org_id = ${orgId}`);
    counts[table] = result.rows[0]!.n;
  }
  return counts;
}

/** Plans, expects exactly these problem kinds, and checks that apply refuses and writes nothing. */
async function expectBlocked(org: SeededOrg, text: string, kinds: string[]) {
  const planned = await plan(org, text);
  expect(planned.problems.map((p) => p.kind).sort()).toEqual([...kinds].sort());
  const before = await rowCounts(org.orgId);
  const applied = await apply(org, planned.planHash, text);
  expect(applied.result).toBeNull();
  expect(applied.errors[0].field).toBe('bundle');
  expect(await rowCounts(org.orgId)).toEqual(before);
  return planned;
}

beforeAll(async () => {
  h = createHarness();
  source = await seedOrg(h.database.db);
  await buildSource(caller(source), { acmeBaseUrl: BASE_URL });
  const component = await gql(h.app, IMPORT_COMPONENT, { d: apiKeyComponent('billing', 'Billing API') }, source.adminToken);
  expect(component.data.importComponent.errors).toEqual([]);
  bundle = (await gql(h.app, EXPORT, { c: true }, source.adminToken)).data.exportBundle;
});

afterAll(() => h.close());

describe('exportBundle', () => {
  it('never contains a secret, nor any id of the source tenant, and names the secrets the target needs', async () => {
    for (const secret of Object.values(SYNC_SECRETS)) expect(bundle).not.toContain(secret);
    expect(bundle).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i);
    expect(bundle).not.toContain(source.orgId);
    expect(bundle).toContain('bundleVersion: 1');
    expect(bundle).toContain(`value: ${BASE_URL}`);
    expect(bundle).toMatch(/secrets:\n\s+- envVariable: API_TOKEN\n\s+- connection: acme-global\n\s+input: apiKey/);
    expect(bundle).toContain('secretInputs:\n          - apiToken');
  });

  it('carries the integration as the exact text `integration { definition }` answers', async () => {
    const res = await gql(h.app, `{ integrations(stableKey: "acme-records") { nodes { definition } } }`, {}, source.adminToken);
    const definition: string = res.data.integrations.nodes[0].definition;
    const indented = definition
      .trimEnd()
      .split('\n')
      .map((line) => `      ${line}`)
      .join('\n');
    expect(bundle).toContain(indented);
  });

  it('is refused to members: it opens every non-secret value', async () => {
    const res = await gql(h.app, EXPORT, {}, source.memberToken);
    expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('planSync / applySync into an empty organization', () => {
  it('blocks on secrets the target lacks, then creates everything, and re-applying changes nothing', async () => {
    const target = await seedOrg(h.database.db);
    const missing = await expectBlocked(target, bundle, ['MISSING_SECRET', 'MISSING_SECRET']);
    expect(missing.problems.map((p) => p.object).sort()).toEqual(['connection "acme-global"', 'env variable "API_TOKEN"']);

    await createTargetSecrets(caller(target), BASE_URL);
    const planned = await plan(target);
    expect(planned.problems).toEqual([]);
    expect(planned.items.map((i) => `${i.kind} ${i.key} ${i.action}`)).toEqual([
      'COMPONENT billing CREATE',
      'ENV_VARIABLE API_TOKEN UNCHANGED',
      'ENV_VARIABLE REGION CREATE',
      'CONNECTION acme-global UNCHANGED',
      'CONNECTION acme-per-customer CREATE',
      'INTEGRATION acme-records CREATE',
      'CUSTOMER cust-1 CREATE',
      'INSTANCE cust-1/acme-records/Acme records CREATE',
    ]);
    const instanceNotes = planned.items.at(-1).notes.join(' ');
    expect(instanceNotes).toContain('no values for customer');
    expect(instanceNotes).toContain('missing required inputs: apiToken');

    const applied = await apply(target, planned.planHash);
    expect(applied.errors).toEqual([]);
    expect(applied.result.changes).toBe(6);
    const components = await gql(h.app, `{ components(key: "billing") { nodes { key public connections { nodes { key } } } } }`, {}, target.adminToken);
    expect(components.data.components.nodes).toEqual([{ key: 'billing', public: false, connections: { nodes: [{ key: 'api-key' }] } }]);
    const instance = (
      await gql(
        h.app,
        `{ instances { nodes { name deployedVersion customer { externalId } configVariables { nodes { key value inputs { nodes { name value hasValue } } } } } } }`,
        {},
        target.adminToken,
      )
    ).data.instances.nodes;
    expect(instance).toHaveLength(1);
    // Its inline connection's secret never travels: created undeployed until the target sets it.
    expect(instance[0]).toMatchObject({ name: 'Acme records', deployedVersion: null, customer: { externalId: 'cust-1' } });
    expect(instanceNotes).toContain('Not deployed');
    const region = instance[0].configVariables.nodes.find((v: { key: string }) => v.key === 'Region');
    expect(region.value).toBe('region-1');

    const instanceId = (await gql(h.app, `{ instances { nodes { id } } }`, {}, target.adminToken)).data.instances.nodes[0].id;
    const token = JSON.stringify([{ name: 'apiToken', type: 'value', value: 'target-zendesk-token' }]);
    const set = await gql(
      h.app,
      `mutation($input: UpdateInstanceConfigVariablesInput!) { updateInstanceConfigVariables(input: $input) { errors { field messages } } }`,
      { input: { id: instanceId, configVariables: [{ key: 'Zendesk', values: token }] } },
      target.adminToken,
    );
    expect(set.data.updateInstanceConfigVariables.errors).toEqual([]);
    const deploying = await plan(target);
    expect(deploying.items.filter((i) => i.action !== 'UNCHANGED').map(({ kind, action, fields }) => ({ kind, action, fields }))).toEqual([
      { kind: 'INSTANCE', action: 'UPDATE', fields: ['deploy'] },
    ]);
    expect((await apply(target, deploying.planHash)).errors).toEqual([]);
    const deployed = await gql(h.app, `{ instances { nodes { deployedVersion } } }`, {}, target.adminToken);
    expect(deployed.data.instances.nodes[0].deployedVersion).toBe(1);

    const again = await plan(target);
    expect(again.changes).toBe(0);
    expect(again.items.every((i) => i.action === 'UNCHANGED')).toBe(true);
    expect((await apply(target, again.planHash)).result.changes).toBe(0);

    // A changed flow in the source is exactly that update in the next plan.
    await gql(
      h.app,
      `mutation($d: String!) { importIntegration(input: { definition: $d }) { errors { field } } }`,
      { d: integrationDefinition('Create one record') },
      source.adminToken,
    );
    const changed = (await gql(h.app, EXPORT, { c: true }, source.adminToken)).data.exportBundle;
    const next = await plan(target, changed);
    // …and the instances deployed from it follow the new version.
    expect(next.items.filter((i) => i.action !== 'UNCHANGED').map(({ kind, key, action, fields }) => ({ kind, key, action, fields }))).toEqual([
      { kind: 'INTEGRATION', key: 'acme-records', action: 'UPDATE', fields: ['flows.create-record'] },
      { kind: 'INSTANCE', key: 'cust-1/acme-records/Acme records', action: 'UPDATE', fields: ['deploy'] },
    ]);
  });
});

describe('blocking problems: apply refuses and writes nothing', () => {
  const minimal = (extra: string) => `bundleVersion: 1\n${extra}`;

  it('a definition naming a connection stable key that is neither in the bundle nor in the target', async () => {
    const target = await seedOrg(h.database.db);
    const text = minimal(`integrations:\n  - published: true\n    definition: |\n${indent(integrationDefinition(), 6)}`);
    const planned = await expectBlocked(target, text, ['MISSING_REFERENCE']);
    expect(planned.problems[0].message).toContain('no connection with stable key "acme-per-customer" in the bundle or the target');
    expect(planned.items).toEqual([{ kind: 'INTEGRATION', key: 'acme-records', action: 'BLOCKED', fields: [], notes: [] }]);
  });

  it('an object without stable key, named in the error', async () => {
    const target = await seedOrg(h.database.db);
    const noKey = integrationDefinition()
      .replace('stableKey: acme-records\n', '')
      .replace(/useScopedConfigVar: acme-per-customer/, 'connection: { component: acme-api, key: api-key }');
    const text = minimal(`integrations:\n  - published: false\n    definition: |\n${indent(noKey, 6)}customers:\n  - externalId: ""\n    name: Nameless Ltd\n`);
    const planned = await expectBlocked(target, text, ['MISSING_STABLE_KEY', 'MISSING_STABLE_KEY']);
    expect(planned.problems.map((p) => p.message)).toEqual([
      'Integration "Acme records" has no stableKey: give its definition one in the source; it matches the integration across tenants.',
      'Customer "Nameless Ltd" has no externalId: give it one in the source; it matches the customer across tenants.',
    ]);
  });

  it('a global connection value that differs in the target', async () => {
    const target = await seedOrg(h.database.db);
    await createTargetSecrets(caller(target), 'http://127.0.0.1:9/other');
    const planned = await expectBlocked(target, bundle, ['IMMUTABLE_GLOBAL_VALUE']);
    expect(planned.problems[0]).toMatchObject({
      object: 'connection "acme-global"',
      message: expect.stringContaining('Global input "baseUrl" has another value'),
    });
  });

  it('a bundle that names a value for a global secret of the target, answered alike whether it guesses right or not', async () => {
    const target = await seedOrg(h.database.db);
    await createTargetSecrets(caller(target), BASE_URL);
    const guessing = (guess: string) =>
      minimal(
        `connections:\n  - { stableKey: acme-global, key: Acme global, variableScope: org, managedBy: org, component: acme-api, connection: api-key,\n` +
          `      inputs: [{ name: apiKey, scope: org, value: ${guess} }, { name: baseUrl, scope: org, value: "${BASE_URL}" }] }\n`,
      );
    const right = await expectBlocked(target, guessing('target-own-key'), ['IMMUTABLE_GLOBAL_VALUE']);
    const wrong = await expectBlocked(target, guessing('wrong-guess'), ['IMMUTABLE_GLOBAL_VALUE']);
    expect(right.problems).toEqual(wrong.problems);
    expect(right.problems[0].message).toBe('Global input "apiKey" is a secret in the target; a bundle cannot set or compare it.');
  });

  it('a customer of the target without values for a connection a new instance needs', async () => {
    const target = await seedOrg(h.database.db);
    await createTargetSecrets(caller(target), BASE_URL);
    await gql(h.app, `mutation { createCustomer(input: { name: "Existing", externalId: "cust-1" }) { errors { field } } }`, {}, target.adminToken);
    const planned = await expectBlocked(target, bundle, ['MISSING_CUSTOMER_VALUES']);
    expect(planned.problems[0].object).toBe('instance "cust-1/acme-records/Acme records"');
  });

  it('an instance that is fully configured in the target and would no longer be', async () => {
    const target = await seedOrg(h.database.db);
    const call = caller(target);
    await createTargetSecrets(call, BASE_URL);
    const first = await plan(target);
    expect((await apply(target, first.planHash)).errors).toEqual([]);
    const ids = await call(`{ scopedConfigVariables(stableKey: "acme-per-customer") { nodes { id } } customers { nodes { id } } instances { nodes { id } } }`);
    const [customer, instance] = [ids.data.customers.nodes[0].id, ids.data.instances.nodes[0].id];
    await call(CREATE_CCV, {
      input: { scopedConfigVariable: ids.data.scopedConfigVariables.nodes[0].id, customer, inputs: [{ name: 'apiKey', type: 'value', value: 'target-key' }] },
    });
    await call(`mutation($input: UpdateInstanceConfigVariablesInput!) { updateInstanceConfigVariables(input: $input) { errors { field } } }`, {
      input: { id: instance, configVariables: [{ key: 'Zendesk', values: JSON.stringify([{ name: 'apiToken', type: 'value', value: 'target-token' }]) }] },
    });
    expect((await call(`query($id: ID!) { instance(id: $id) { configState } }`, { id: instance })).data.instance.configState).toBe('FULLY_CONFIGURED');

    const withTier = bundle.replace('\n          dataType: string\n', '\n          dataType: string\n        - key: Tier\n          dataType: string\n');
    expect(withTier).not.toBe(bundle);
    const planned = await expectBlocked(target, withTier, ['INCOMPLETE_CONFIG']);
    expect(planned.problems[0]).toEqual({
      kind: 'INCOMPLETE_CONFIG',
      object: 'instance "cust-1/acme-records/Acme records"',
      message: 'The instance would no longer be fully configured: Config variable "Tier" has no value and no default.',
    });
  });

  it('a stale plan: the target changed after planning', async () => {
    const target = await seedOrg(h.database.db);
    await createTargetSecrets(caller(target), BASE_URL);
    const planned = await plan(target);
    expect(planned.problems).toEqual([]);
    await gql(h.app, `mutation { createCustomer(input: { name: "Newcomer", externalId: "new-1" }) { errors { field } } }`, {}, target.adminToken);
    const before = await rowCounts(target.orgId);
    const applied = await apply(target, planned.planHash);
    expect(applied.result).toBeNull();
    expect(applied.errors).toEqual([{ field: 'planHash', messages: [expect.stringContaining('changed since this plan was made')] }]);
    expect(await rowCounts(target.orgId)).toEqual(before);
  });

  it('a bundle that is not one', async () => {
    const target = await seedOrg(h.database.db);
    const planned = await expectBlocked(target, 'bundleVersion: 2\nintegrations: 3\n', ['INVALID_BUNDLE', 'INVALID_BUNDLE']);
    expect(planned.problems.map((p) => p.message)).toEqual(['bundle.bundleVersion: bundleVersion must be 1', expect.stringContaining('bundle.integrations:')]);
  });
});

describe('user authentications', () => {
  const inputs = [
    { name: 'authorizeUrl', type: 'value', value: 'http://127.0.0.1:9/authorize' },
    { name: 'tokenUrl', type: 'value', value: 'http://127.0.0.1:9/token' },
    { name: 'clientId', type: 'value', value: 'sync-client' },
    { name: 'clientSecret', type: 'value', value: 'sync-client-secret' },
  ];
  const connection = async (org: SeededOrg, stableKey: string, userAuthentication?: object, values = inputs) =>
    createScoped(h.app, org.adminToken, {
      key: 'Provider',
      stableKey,
      variableScope: 'customer',
      managedBy: 'customer',
      connection: await connectionId(h.app, org.adminToken, 'http', 'oauth2-authorization-code'),
      inputs: values,
      ...(userAuthentication ? { userAuthentication } : {}),
    });
  const settingsOf = async (org: SeededOrg, stableKey: string) =>
    (
      await gql(
        h.app,
        `query($k: String) { scopedConfigVariables(stableKey: $k) { nodes { userAuthentication { enabled nonInteractivePolicy } } } }`,
        { k: stableKey },
        org.adminToken,
      )
    ).data.scopedConfigVariables.nodes[0]?.userAuthentication;

  it("carries a connection's settings dev → prod, and never a user's tokens", async () => {
    const dev = await seedOrg(h.database.db);
    const prod = await seedOrg(h.database.db);
    const stableKey = 'user-auth-sync';
    const scv = await connection(dev, stableKey, { enabled: true, nonInteractivePolicy: 'PAUSE_UNTIL_AUTHENTICATED' });
    // A user of dev has authenticated: their tokens stay in dev.
    const [row] = await h.database.db
      .insert(userAuthentications)
      .values({
        orgId: dev.orgId,
        userId: dev.admin.userId,
        connectionRef: scopedConnectionRef(decodeGlobalId(scv.id)!.id),
        scopedConfigVariableId: decodeGlobalId(scv.id)!.id,
      })
      .returning();
    const userTokens = { accessToken: 'dev-user-access-token-1234', refreshToken: 'dev-user-refresh-token-5678', expiresAt: null, scopes: [] };
    await storeGrant(h.database.db, h.vault, { kind: 'USER_AUTHENTICATION', holderId: row!.id, owner: { orgId: dev.orgId, customerId: null } }, userTokens);
    // prod has the connection (its secret never travels), still without user authentications.
    await connection(prod, stableKey);

    const text = (await gql(h.app, EXPORT, { c: false }, dev.adminToken)).data.exportBundle as string;
    expect(text).toContain('PAUSE_UNTIL_AUTHENTICATED');
    expect(text).not.toContain(userTokens.accessToken);
    expect(text).not.toContain(userTokens.refreshToken);
    const planned = await plan(prod, text);
    expect(planned.problems).toEqual([]);
    expect(planned.items.find((i) => i.kind === 'CONNECTION')).toMatchObject({ key: stableKey, action: 'UPDATE', fields: ['userAuthentication'] });
    expect((await apply(prod, planned.planHash, text)).errors).toEqual([]);
    expect(await settingsOf(prod, stableKey)).toEqual({ enabled: true, nonInteractivePolicy: 'PAUSE_UNTIL_AUTHENTICATED' });
    const prodAuths = await h.database.db.select().from(userAuthentications).where(eq(userAuthentications.orgId, prod.orgId));
    expect(prodAuths).toEqual([]);
    expect((await plan(prod, text)).changes).toBe(0);
  });

  it('creates a connection in the target with its settings', async () => {
    const dev = await seedOrg(h.database.db);
    const prod = await seedOrg(h.database.db);
    // Without a global secret, which the target would need before the sync (secrets never travel).
    await connection(dev, 'user-auth-new', { enabled: true, nonInteractivePolicy: 'fallback_with_warning' }, inputs.slice(0, 3));
    const text = (await gql(h.app, EXPORT, { c: false }, dev.adminToken)).data.exportBundle as string;
    const planned = await plan(prod, text);
    expect(planned.problems).toEqual([]);
    expect((await apply(prod, planned.planHash, text)).errors).toEqual([]);
    expect(await settingsOf(prod, 'user-auth-new')).toEqual({ enabled: true, nonInteractivePolicy: 'FALLBACK_WITH_WARNING' });
  });
});

const indent = (text: string, spaces: number) =>
  text
    .split('\n')
    .map((line) => (line ? ' '.repeat(spaces) + line : line))
    .join('\n');
