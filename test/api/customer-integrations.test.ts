import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeGlobalId } from '../../src/lib/global-id';
import { createHarness, gql, type Harness } from '../support/harness';
import { hookDefinition } from '../support/integrations';
import { seedCustomer, seedOrg, type SeededOrg } from '../support/seed';

// Prismatic's customer-specific integrations: built for one customer, who alone can have instances of it.

let h: Harness;

const INTEGRATION_FIELDS = `id name stableKey customer { id externalId }`;
const CREATE = `mutation($input: CreateIntegrationInput!) {
  createIntegration(input: $input) { integration { ${INTEGRATION_FIELDS} } errors { field messages } }
}`;
const IMPORT = `mutation($input: ImportIntegrationInput!) {
  importIntegration(input: $input) { integration { ${INTEGRATION_FIELDS} } errors { field messages } }
}`;
const UPDATE = `mutation($input: UpdateIntegrationInput!) {
  updateIntegration(input: $input) { integration { ${INTEGRATION_FIELDS} } errors { field messages } }
}`;
const FORK = `mutation($input: ForkIntegrationInput!) { forkIntegration(input: $input) { integration { ${INTEGRATION_FIELDS} } errors { field messages } } }`;
const PUBLISH = `mutation($id: ID!) { publishIntegration(input: { id: $id }) { errors { field messages } } }`;
const LIST = `query($customer: ID, $isNull: Boolean) { integrations(customer: $customer, customer_Isnull: $isNull) { totalCount nodes { name } } }`;
const CREATE_INSTANCE = `mutation($input: CreateInstanceInput!) {
  createInstance(input: $input) { instance { id customer { id } integration { id } } errors { field messages } }
}`;
const EXPORT = `query($c: Boolean) { exportBundle(includeCustomers: $c) }`;
const PLAN = `query($b: String!) { planSync(bundle: $b) { planHash items { kind key action } problems { kind object message } } }`;
const APPLY = `mutation($b: String!, $h: String!) { applySync(input: { bundle: $b, planHash: $h }) { result { changes } errors { field messages } } }`;

beforeAll(() => {
  h = createHarness();
});
afterAll(() => h.close());

const customerId = (id: string) => encodeGlobalId('Customer', id);

async function setup(externalId = `ext-${randomUUID().slice(0, 8)}`) {
  const org = await seedOrg(h.database.db);
  const customer = await seedCustomer(h.database.db, org.admin, { name: `Customer ${externalId}`, externalId });
  return { org, customer };
}

async function create(org: SeededOrg, input: Record<string, unknown>) {
  const res = await gql(h.app, CREATE, { input }, org.adminToken);
  if (!res.data?.createIntegration) throw new Error(JSON.stringify(res));
  return res.data.createIntegration as { integration: any; errors: unknown[] };
}

async function importDefinition(org: SeededOrg, input: Record<string, unknown>) {
  const res = await gql(h.app, IMPORT, { input }, org.adminToken);
  if (!res.data?.importIntegration) throw new Error(JSON.stringify(res));
  return res.data.importIntegration as { integration: any; errors: unknown[] };
}

async function list(org: SeededOrg, variables: { customer?: string; isNull?: boolean }) {
  const res = await gql(h.app, LIST, variables, org.adminToken);
  return (res.data.integrations.nodes as { name: string }[]).map((node) => node.name).sort();
}

async function rows(table: 'integrations' | 'instances', orgId: string) {
  const result = await h.database.db.execute<{ n: number }>(sql`select count(*)::int as n from ${sql.identifier(table)} where org_id = ${orgId}`);
  return result.rows[0]!.n;
}

/** A published customer-specific integration with one webhook flow. */
async function publishedFor(org: SeededOrg, customer: { id: string } | null, name: string) {
  const input = { definition: hookDefinition({ name }), ...(customer ? { customer: customerId(customer.id) } : {}) };
  const { integration, errors } = await importDefinition(org, input);
  expect(errors).toEqual([]);
  expect((await gql(h.app, PUBLISH, { id: integration.id }, org.adminToken)).data.publishIntegration.errors).toEqual([]);
  return integration as { id: string; stableKey: string };
}

describe('customer-specific integrations', () => {
  it('createIntegration(customer:) builds it for that customer: Integration.customer and the list filters show it', async () => {
    const { org, customer } = await setup();
    const second = await seedCustomer(h.database.db, org.admin, { name: 'Second' });
    const made = await create(org, { name: 'For one customer', customer: customerId(customer.id) });
    expect(made.errors).toEqual([]);
    expect(made.integration.customer).toEqual({ id: customerId(customer.id), externalId: customer.externalId });
    await create(org, { name: 'For the second', customer: customerId(second.id) });
    expect((await create(org, { name: 'Organization-wide' })).integration.customer).toBeNull();

    expect(await list(org, {})).toEqual(['For one customer', 'For the second', 'Organization-wide']);
    expect(await list(org, { customer: customerId(customer.id) })).toEqual(['For one customer']);
    expect(await list(org, { isNull: true })).toEqual(['Organization-wide']);
    expect(await list(org, { isNull: false })).toEqual(['For one customer', 'For the second']);
    expect(await list(org, { customer: customerId(second.id), isNull: false })).toEqual(['For the second']);
    const read = await gql(h.app, `query($id: ID!) { integration(id: $id) { customer { name } } }`, { id: made.integration.id }, org.adminToken);
    expect(read.data.integration.customer).toEqual({ name: customer.name });
  });

  it("another organization's customer and the system customer are not found on `customer`, and nothing is written", async () => {
    const { org, customer: own } = await setup();
    const other = await setup();
    const plain = await importDefinition(org, { definition: hookDefinition({ name: 'Has a test instance' }) });
    const system = await gql(
      h.app,
      `query($id: ID!) { integration(id: $id) { systemInstance { customer { id } } } }`,
      { id: plain.integration.id },
      org.adminToken,
    );
    const systemCustomer: string = system.data.integration.systemInstance.customer.id;
    const before = await rows('integrations', org.orgId);

    for (const customer of [customerId(other.customer.id), systemCustomer, customerId(randomUUID())]) {
      const notFound = [{ field: 'customer', messages: ['Record not found.'] }];
      expect((await create(org, { name: 'Refused', customer })).errors).toEqual(notFound);
      expect((await importDefinition(org, { definition: hookDefinition({ name: 'Refused' }), customer })).errors).toEqual(notFound);
    }
    expect(await rows('integrations', org.orgId)).toBe(before);
    // Filtering by an unknown or foreign customer lists nothing, as for a customer with no integrations.
    expect(await list(org, { customer: customerId(other.customer.id) })).toEqual([]);
    const member = await gql(h.app, CREATE, { input: { name: 'By member', customer: customerId(own.id) } }, org.memberToken);
    expect(member.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('importIntegration(customer:) owns a new integration; re-importing (by stable key or id) keeps the owner', async () => {
    const { org, customer } = await setup();
    const second = await seedCustomer(h.database.db, org.admin, { name: 'Second' });
    const stableKey = randomUUID();
    const first = await importDefinition(org, { definition: hookDefinition({ name: 'Imported', stableKey }), customer: customerId(customer.id) });
    expect(first.errors).toEqual([]);
    expect(first.integration.customer.id).toBe(customerId(customer.id));

    const byKey = await importDefinition(org, { definition: hookDefinition({ name: 'Renamed', stableKey }), customer: customerId(second.id) });
    expect(byKey.integration).toMatchObject({ id: first.integration.id, name: 'Renamed', customer: { id: customerId(customer.id) } });
    const byId = await importDefinition(org, { definition: hookDefinition({ name: 'Again', stableKey }), integrationId: first.integration.id });
    expect(byId.integration).toMatchObject({ id: first.integration.id, name: 'Again', customer: { id: customerId(customer.id) } });
  });

  it("updateIntegration keeps the customer (repeating it is accepted); a fork belongs to the parent's customer", async () => {
    const { org, customer } = await setup();
    const second = await seedCustomer(h.database.db, org.admin, { name: 'Second' });
    const { integration } = await create(org, { name: 'Owned', customer: customerId(customer.id) });

    const moved = await gql(h.app, UPDATE, { input: { id: integration.id, name: 'Moved', customer: customerId(second.id) } }, org.adminToken);
    expect(moved.data.updateIntegration.errors).toEqual([
      { field: 'customer', messages: ["An integration's customer cannot change: create an integration for that customer and import this definition into it."] },
    ]);
    const orgOwned = (await create(org, { name: 'Organization-wide' })).integration;
    const claimed = await gql(h.app, UPDATE, { input: { id: orgOwned.id, customer: customerId(customer.id) } }, org.adminToken);
    expect(claimed.data.updateIntegration.errors.map((e: { field: string }) => e.field)).toEqual(['customer']);
    expect(await list(org, { isNull: true })).toEqual(['Organization-wide']);

    const same = await gql(h.app, UPDATE, { input: { id: integration.id, name: 'Renamed', customer: customerId(customer.id) } }, org.adminToken);
    expect(same.data.updateIntegration).toMatchObject({ errors: [], integration: { name: 'Renamed', customer: { id: customerId(customer.id) } } });

    const fork = await gql(h.app, FORK, { input: { parent: integration.id, name: 'Forked' } }, org.adminToken);
    expect(fork.data.forkIntegration.integration.customer).toEqual({ id: customerId(customer.id), externalId: customer.externalId });
  });

  it('only its customer can have instances of it: another customer is an error naming `customer`, nothing written', async () => {
    const { org, customer } = await setup();
    const second = await seedCustomer(h.database.db, org.admin, { name: 'Second' });
    const integration = await publishedFor(org, customer, 'Only for one');
    const before = await rows('instances', org.orgId);

    const refused = await gql(
      h.app,
      CREATE_INSTANCE,
      { input: { name: 'Wrong customer', integration: integration.id, customer: customerId(second.id), configVariables: [] } },
      org.adminToken,
    );
    expect(refused.data.createInstance).toEqual({
      instance: null,
      errors: [{ field: 'customer', messages: ["This integration is another customer's (customer-specific): only that customer can have instances of it."] }],
    });
    expect(await rows('instances', org.orgId)).toBe(before);

    const created = await gql(
      h.app,
      CREATE_INSTANCE,
      { input: { name: 'Right customer', integration: integration.id, customer: customerId(customer.id), configVariables: [] } },
      org.adminToken,
    );
    expect(created.data.createInstance).toMatchObject({ errors: [], instance: { customer: { id: customerId(customer.id) } } });
    // An organization-wide integration still deploys to any customer.
    const shared = await publishedFor(org, null, 'For everyone');
    const anyCustomer = await gql(
      h.app,
      CREATE_INSTANCE,
      { input: { name: 'Shared', integration: shared.id, customer: customerId(second.id), configVariables: [] } },
      org.adminToken,
    );
    expect(anyCustomer.data.createInstance.errors).toEqual([]);
  });

  it("customer users still see no integrations, their own customer's included; their instance shows no integration", async () => {
    const { org, customer } = await setup();
    const integration = await publishedFor(org, customer, 'Theirs');
    await gql(
      h.app,
      CREATE_INSTANCE,
      { input: { name: 'Theirs', integration: integration.id, customer: customerId(customer.id), configVariables: [] } },
      org.adminToken,
    );
    const { token } = await org.customerUser(customer.id);
    const seen = await gql(h.app, `{ integrations { totalCount } instances { nodes { name integration { id } } } }`, {}, token);
    expect(seen.data).toEqual({ integrations: { totalCount: 0 }, instances: { nodes: [{ name: 'Theirs', integration: null }] } });
  });

  it('deleting the customer deletes its integrations with their versions and instances; the organization-wide ones stay', async () => {
    const { org, customer } = await setup();
    const integration = await publishedFor(org, customer, 'Goes with the customer');
    await gql(
      h.app,
      CREATE_INSTANCE,
      { input: { name: 'Goes too', integration: integration.id, customer: customerId(customer.id), configVariables: [] } },
      org.adminToken,
    );
    await publishedFor(org, null, 'Stays');
    const deleted = await gql(
      h.app,
      `mutation($id: ID!) { deleteCustomer(input: { id: $id }) { errors { field messages } } }`,
      { id: customerId(customer.id) },
      org.adminToken,
    );
    expect(deleted.data.deleteCustomer.errors).toEqual([]);
    expect(await list(org, {})).toEqual(['Stays']);
    expect(await rows('instances', org.orgId)).toBe(1); // the test instance of "Stays"
    const versions = await h.database.db.execute<{ n: number }>(sql`select count(*)::int as n from integration_versions where org_id = ${org.orgId}`);
    expect(versions.rows[0]!.n).toBe(1);
  });
});

describe('tenant sync of customer-specific integrations', () => {
  it("travels with its customer's externalId when customers are included, and is left out when they are not", async () => {
    const { org, customer } = await setup();
    await publishedFor(org, customer, 'Customer made');
    await publishedFor(org, null, 'Shared');

    const withCustomers: string = (await gql(h.app, EXPORT, { c: true }, org.adminToken)).data.exportBundle;
    expect(withCustomers).toContain(`customer: ${customer.externalId}\n`);
    expect(withCustomers).toContain('name: Customer made');
    const without: string = (await gql(h.app, EXPORT, { c: false }, org.adminToken)).data.exportBundle;
    expect(without).not.toContain('name: Customer made');
    expect(without).toContain('name: Shared');
    expect(without).not.toContain('customer:');
  });

  it('an apply creates the customer first, then the integration for it, with its instance', async () => {
    const source = await setup();
    const integration = await publishedFor(source.org, source.customer, 'Customer made');
    await gql(
      h.app,
      CREATE_INSTANCE,
      { input: { name: 'Synced', integration: integration.id, customer: customerId(source.customer.id), configVariables: [] } },
      source.org.adminToken,
    );
    const bundle: string = (await gql(h.app, EXPORT, { c: true }, source.org.adminToken)).data.exportBundle;

    const target = await seedOrg(h.database.db);
    const plan = (await gql(h.app, PLAN, { b: bundle }, target.adminToken)).data.planSync;
    expect(plan.problems).toEqual([]);
    expect(plan.items.map((item: { kind: string; action: string }) => `${item.kind} ${item.action}`)).toEqual([
      'CUSTOMER CREATE',
      'INTEGRATION CREATE',
      'INSTANCE CREATE',
    ]);
    const applied = await gql(h.app, APPLY, { b: bundle, h: plan.planHash }, target.adminToken);
    expect(applied.data.applySync.errors).toEqual([]);

    const read = await gql(
      h.app,
      `query($key: String!) { integrations(stableKey: $key) { nodes { customer { externalId } } } instances { nodes { name customer { externalId } } } }`,
      { key: integration.stableKey },
      target.adminToken,
    );
    expect(read.data).toEqual({
      integrations: { nodes: [{ customer: { externalId: source.customer.externalId } }] },
      instances: { nodes: [{ name: 'Synced', customer: { externalId: source.customer.externalId } }] },
    });
    // Again: nothing to do.
    const again = (await gql(h.app, PLAN, { b: bundle }, target.adminToken)).data.planSync;
    expect(again.items.map((item: { action: string }) => item.action)).toEqual(['UNCHANGED', 'UNCHANGED', 'UNCHANGED']);
  });

  it('an integration whose customer differs in the target is a CUSTOMER_MISMATCH problem; the apply writes nothing', async () => {
    const source = await setup();
    const integration = await publishedFor(source.org, source.customer, 'Customer made');
    const bundle: string = (await gql(h.app, EXPORT, { c: true }, source.org.adminToken)).data.exportBundle;

    const target = await setup(source.customer.externalId!);
    await importDefinition(target.org, { definition: hookDefinition({ name: 'Organization-wide here', stableKey: integration.stableKey }) });
    const plan = (await gql(h.app, PLAN, { b: bundle }, target.org.adminToken)).data.planSync;
    expect(plan.problems).toEqual([
      {
        kind: 'CUSTOMER_MISMATCH',
        object: `integration "${integration.stableKey}"`,
        message: `In this tenant the integration is the organization's, in the bundle customer "${source.customer.externalId}"'s: an integration's customer cannot change.`,
      },
    ]);
    const before = await rows('integrations', target.org.orgId);
    const applied = await gql(h.app, APPLY, { b: bundle, h: plan.planHash }, target.org.adminToken);
    expect(applied.data.applySync.errors.map((e: { field: string }) => e.field)).toEqual(['bundle']);
    expect(await rows('integrations', target.org.orgId)).toBe(before);
    expect(await list(target.org, { isNull: false })).toEqual([]);
  });

  it('an instance of a customer-specific integration for another customer is a CUSTOMER_MISMATCH problem', async () => {
    const source = await setup();
    const integration = await publishedFor(source.org, source.customer, 'Customer made');
    const exported: string = (await gql(h.app, EXPORT, { c: true }, source.org.adminToken)).data.exportBundle;
    // A hand-edited bundle: an instance of it for a customer that is not its owner.
    const bundle = exported
      .replace('instances: []', `instances:\n  - customer: someone-else\n    integration: ${integration.stableKey}\n    name: Not theirs\n`)
      .replace(/customers:\n/, `customers:\n  - externalId: someone-else\n    name: Someone else\n    description: null\n    labels: []\n`);
    const target = await seedOrg(h.database.db);
    const plan = (await gql(h.app, PLAN, { b: bundle }, target.adminToken)).data.planSync;
    expect(plan.problems).toEqual([
      {
        kind: 'CUSTOMER_MISMATCH',
        object: `instance "someone-else/${integration.stableKey}/Not theirs"`,
        message: `Integration "${integration.stableKey}" is built for another customer: only that customer can have instances of it.`,
      },
    ]);
  });
});
