import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instanceFlowConfigs, instances } from '../../src/db/tables';
import { addMissingSystemInstances } from '../../src/domain/instances/system-instances';
import { decodeGlobalId, encodeGlobalId } from '../../src/lib/global-id';
import { connectionId, createCustomerValues, createScoped } from '../support/connections';
import { createHarness, gql, type Harness } from '../support/harness';
import { acmeRecordDefinition } from '../support/integrations';
import { seedCustomer, seedOrg, type SeededOrg } from '../support/seed';

/*
 * Every integration has one test (system) instance, of the organization's one system customer: clients
 * read and update it (prism's importIntegration reads systemInstance and testConfigVariables), and no list,
 * mutation on customers, or other organization ever sees either.
 */

const DEFINITION = `
name: System instance
requiredConfigVars:
  - key: Greeting
    dataType: string
    defaultValue: hello
  - key: Region
    dataType: string
flows:
  - name: First
    stableKey: first
    trigger: { type: webhook }
    steps:
      - { name: Note, type: set-variables, variables: { greeting: "{{ configVars.Greeting }}" } }
  - name: Second
    stableKey: second
    trigger: { type: webhook }
    steps:
      - { name: Note, type: set-variables, variables: { region: "{{ configVars.Region }}" } }
`;

const IMPORT = `mutation($d: String!, $id: ID) { importIntegration(input: { definition: $d, integrationId: $id }) {
  integration {
    id
    testConfigVariables(status: "pending") { nodes { id requiredConfigVariable { key } } }
    systemInstance { id isSystem needsDeploy customer { id isSystem } flowConfigs { nodes { id flow { id name } apiKeys } } }
  }
  errors { field messages } } }`;
const TEST_VALUES = `query($id: ID!) { integration(id: $id) {
  testConfigVariables { nodes { status value requiredConfigVariable { key } } }
  systemInstance { configState } } }`;
const UPDATE = `mutation($input: UpdateIntegrationInput!) { updateIntegration(input: $input) { integration { name } errors { field messages } } }`;

let h: Harness;
let org: SeededOrg;
let other: SeededOrg;

beforeAll(async () => {
  h = createHarness();
  org = await seedOrg(h.database.db);
  other = await seedOrg(h.database.db);
});
afterAll(() => h.close());

async function importDefinition(token = org.adminToken) {
  const res = await gql(h.app, IMPORT, { d: DEFINITION }, token);
  expect(res.data.importIntegration.errors).toEqual([]);
  return res.data.importIntegration.integration;
}

describe('Integration.systemInstance', () => {
  it('exists from the import, of the system customer, with a flow config per flow and the pending test config variables', async () => {
    const integration = await importDefinition();
    const system = integration.systemInstance;
    expect(system).toMatchObject({ isSystem: true, needsDeploy: false, customer: { isSystem: true } });
    expect(system.flowConfigs.nodes.map((n: { flow: { name: string } }) => n.flow.name)).toEqual(['First', 'Second']);
    expect(system.flowConfigs.nodes.every((n: { apiKeys: string[] }) => n.apiKeys.length === 0)).toBe(true);
    // Greeting has a default; Region has nothing yet.
    expect(integration.testConfigVariables.nodes.map((n: { requiredConfigVariable: { key: string } }) => n.requiredConfigVariable.key)).toEqual(['Region']);

    // One system customer per organization, whatever the number of integrations.
    const second = await importDefinition();
    expect(second.systemInstance.customer.id).toBe(system.customer.id);
    expect(second.systemInstance.id).not.toBe(system.id);

    // A flow added to the draft gets its flow config at the import.
    const third =
      '  - name: Third\n    stableKey: third\n    trigger: { type: webhook }\n    steps:\n      - { name: Note, type: set-variables, variables: { n: "3" } }\n';
    const grown = DEFINITION.replace('flows:\n', `flows:\n${third}`);
    const reimported = await gql(h.app, IMPORT, { d: grown, id: integration.id }, org.adminToken);
    expect(reimported.data.importIntegration.errors).toEqual([]);
    expect(reimported.data.importIntegration.integration.systemInstance.flowConfigs.nodes).toHaveLength(3);
  });

  it('takes test values with updateIntegration(testConfigVariables), merged; a bad one names the field and writes nothing', async () => {
    const integration = await importDefinition();
    const set = await gql(h.app, UPDATE, { input: { id: integration.id, testConfigVariables: [{ key: 'Region', value: 'eu' }] } }, org.adminToken);
    expect(set.data.updateIntegration.errors).toEqual([]);
    const read = await gql(h.app, TEST_VALUES, { id: integration.id }, org.adminToken);
    expect(read.data.integration.systemInstance.configState).toBe('FULLY_CONFIGURED');
    expect(read.data.integration.testConfigVariables.nodes).toEqual([
      { status: 'ACTIVE', value: 'hello', requiredConfigVariable: { key: 'Greeting' } },
      { status: 'ACTIVE', value: 'eu', requiredConfigVariable: { key: 'Region' } },
    ]);

    const bad = await gql(
      h.app,
      UPDATE,
      { input: { id: integration.id, name: 'Renamed', testConfigVariables: [{ key: 'Nope', value: 'x' }] } },
      org.adminToken,
    );
    expect(bad.data.updateIntegration.errors.map((e: { field: string }) => e.field)).toEqual(['testConfigVariables']);
    expect(bad.data.updateIntegration.errors[0].messages[0]).toContain('"Nope" is not a config variable');
    const after = await gql(h.app, `query($id: ID!) { integration(id: $id) { name } }`, { id: integration.id }, org.adminToken);
    expect(after.data.integration.name).toBe('System instance');
  });

  it("shows an organization's per-customer connection as pending until it has test values, then active", async () => {
    const stableKey = `acme-${randomUUID()}`;
    const acme = await connectionId(h.app, org.adminToken, 'acme-api', 'api-key');
    const scoped = await createScoped(h.app, org.adminToken, { key: `Acme ${stableKey}`, stableKey, variableScope: 'customer', connection: acme });
    const res = await gql(h.app, IMPORT, { d: acmeRecordDefinition({ stableKey: `records-${stableKey}`, connectionStableKey: stableKey }) }, org.adminToken);
    const integration = res.data.importIntegration.integration;
    expect(integration.testConfigVariables.nodes.map((n: { requiredConfigVariable: { key: string } }) => n.requiredConfigVariable.key)).toEqual(['Acme']);
    const pending = await gql(
      h.app,
      `query($id: ID!) { instance(id: $id) { missingConfiguration { key message } } }`,
      { id: integration.systemInstance.id },
      org.adminToken,
    );
    expect(pending.data.instance.missingConfiguration).toEqual([{ key: 'Acme', message: expect.stringContaining('no test values yet') }]);

    await createCustomerValues(h.app, org.adminToken, {
      scopedConfigVariable: scoped.id,
      isTest: true,
      inputs: [{ name: 'apiKey', type: 'value', value: 'test-key' }],
    });
    const read = await gql(h.app, TEST_VALUES, { id: integration.id }, org.adminToken);
    expect(read.data.integration.testConfigVariables.nodes).toEqual([{ status: 'ACTIVE', value: null, requiredConfigVariable: { key: 'Acme' } }]);
    expect(read.data.integration.systemInstance.configState).toBe('FULLY_CONFIGURED');
  });

  it('is left out of customer and instance lists unless asked for with isSystem', async () => {
    const integration = await importDefinition();
    const lists = await gql(
      h.app,
      `query($integration: ID!) {
        customers { nodes { id } }
        systemCustomers: customers(isSystem: true) { nodes { id isSystem } }
        instances(integration: $integration) { totalCount }
        systemInstances: instances(integration: $integration, isSystem: true) { nodes { id } }
        integration(id: $integration) { instances { totalCount } }
      }`,
      { integration: integration.id },
      org.adminToken,
    );
    const { customers, systemCustomers, instances: listed, systemInstances } = lists.data;
    expect(customers.nodes.map((c: { id: string }) => c.id)).not.toContain(integration.systemInstance.customer.id);
    expect(systemCustomers.nodes).toEqual([{ id: integration.systemInstance.customer.id, isSystem: true }]);
    expect(listed.totalCount).toBe(0);
    expect(lists.data.integration.instances.totalCount).toBe(0);
    expect(systemInstances.nodes).toEqual([{ id: integration.systemInstance.id }]);
  });

  it('cannot be deleted, disabled or moved; deploying it has nothing to do; the system customer takes no instance, values or changes', async () => {
    const integration = await importDefinition();
    const id = integration.systemInstance.id;
    const customer = integration.systemInstance.customer.id;
    const deleted = await gql(h.app, `mutation($id: ID!) { deleteInstance(input: { id: $id }) { errors { field messages } } }`, { id }, org.adminToken);
    expect(deleted.data.deleteInstance.errors.map((e: { field: string }) => e.field)).toEqual(['id']);
    const disabled = await gql(
      h.app,
      `mutation($id: ID!) { updateInstance(input: { id: $id, enabled: false }) { instance { enabled } errors { field messages } } }`,
      { id },
      org.adminToken,
    );
    expect(disabled.data.updateInstance.errors.map((e: { field: string }) => e.field)).toEqual(['enabled']);
    const deployed = await gql(
      h.app,
      `mutation($id: ID!) { deployInstance(input: { id: $id }) { instance { id needsDeploy deployedVersion } errors { field messages } } }`,
      { id },
      org.adminToken,
    );
    expect(deployed.data.deployInstance).toEqual({ instance: { id, needsDeploy: false, deployedVersion: null }, errors: [] });

    const created = await gql(
      h.app,
      `mutation($integration: ID!, $customer: ID!) { createInstance(input: { name: "x", integration: $integration, customer: $customer }) { errors { field messages } } }`,
      { integration: integration.id, customer },
      org.adminToken,
    );
    expect(created.data.createInstance.errors.map((e: { field: string }) => e.field)).toContain('customer');
    const renamed = await gql(
      h.app,
      `mutation($id: ID!) { updateCustomer(input: { id: $id, name: "Mine now" }) { errors { field messages } } }`,
      { id: customer },
      org.adminToken,
    );
    expect(renamed.errors?.map((e) => e.message) ?? renamed.data.updateCustomer.errors).toEqual(['Record not found']);
    const removed = await gql(
      h.app,
      `mutation($id: ID!) { deleteCustomer(input: { id: $id }) { errors { field messages } } }`,
      { id: customer },
      org.adminToken,
    );
    expect(removed.errors?.map((e) => e.message) ?? removed.data.deleteCustomer.errors).toEqual(['Record not found']);
    const still = await gql(h.app, `query($id: ID!) { instance(id: $id) { id } }`, { id }, org.adminToken);
    expect(still.data.instance.id).toBe(id);
  });

  it('is invisible to another organization and to customer users', async () => {
    const integration = await importDefinition();
    const id = integration.systemInstance.id;
    const byOther = await gql(h.app, `query($id: ID!) { instance(id: $id) { id } }`, { id }, other.adminToken);
    expect(byOther.errors?.map((e) => e.message)).toEqual(['Record not found']);
    const otherUpdate = await gql(
      h.app,
      `mutation($id: ID!) { updateInstanceConfigVariables(input: { id: $id, configVariables: [{ key: "Region", value: "x" }] }) { errors { field messages } } }`,
      { id },
      other.adminToken,
    );
    expect(otherUpdate.errors?.map((e) => e.message) ?? otherUpdate.data.updateInstanceConfigVariables.errors).toEqual(['Record not found']);
    const otherRuns = await gql(h.app, `query($id: ID!) { executionResults(instance: $id) { totalCount } }`, { id }, other.adminToken);
    expect(otherRuns.data.executionResults.totalCount).toBe(0);

    const customer = await seedCustomer(h.database.db, org.admin);
    const { token } = await org.customerUser(customer.id);
    const byCustomer = await gql(h.app, `query($id: ID!) { instance(id: $id) { id } }`, { id }, token);
    expect(byCustomer.errors?.map((e) => e.message)).toEqual(['Record not found']);
    const customers = await gql(h.app, `{ customers(isSystem: true) { totalCount } }`, {}, token);
    expect(customers.data.customers.totalCount).toBe(0);
    expect(decodeGlobalId(id)?.typeName).toBe('Instance');
  });

  it("is the organization admins' only: a member sees neither it nor its webhook URLs, as they get no testUrl", async () => {
    const integration = await importDefinition();
    const byMember = await gql(
      h.app,
      `query($id: ID!, $integration: ID!) {
        instance(id: $id) { id }
        integration(id: $integration) { systemInstance { id } testConfigVariables { totalCount } flows { nodes { testUrl } } }
      }`,
      { id: integration.systemInstance.id, integration: integration.id },
      org.memberToken,
    );
    expect(byMember.errors?.map((e) => e.message)).toEqual(['Record not found']);
    expect(byMember.data.integration).toEqual({
      systemInstance: null,
      testConfigVariables: { totalCount: 0 },
      flows: { nodes: [{ testUrl: null }, { testUrl: null }] },
    });
    const listed = await gql(h.app, `query($i: ID!) { instances(integration: $i, isSystem: true) { totalCount } }`, { i: integration.id }, org.memberToken);
    expect(listed.data.instances.totalCount).toBe(0);
    const explained = await gql(
      h.app,
      `query($flow: ID!, $instance: ID) { explainCredential(flow: $flow, step: "Note", instance: $instance) { outcome } }`,
      { flow: integration.systemInstance.flowConfigs.nodes[0].flow.id, instance: integration.systemInstance.id },
      org.memberToken,
    );
    expect(explained.errors?.map((e) => e.message)).toEqual(['Record not found']);
  });

  it('is given at start to integrations created before test instances existed, with their flow configs', async () => {
    const integration = await importDefinition();
    const integrationId = decodeGlobalId(integration.id)!.id;
    const db = h.database.db;
    await db.delete(instances).where(and(eq(instances.integrationId, integrationId), eq(instances.isSystem, true)));
    const gone = await gql(h.app, `query($id: ID!) { integration(id: $id) { systemInstance { id } } }`, { id: integration.id }, org.adminToken);
    expect(gone.data.integration.systemInstance).toBeNull();

    expect(await addMissingSystemInstances(db, h.vault)).toBeGreaterThanOrEqual(1);
    const [row] = await db
      .select()
      .from(instances)
      .where(and(eq(instances.integrationId, integrationId), eq(instances.isSystem, true)));
    const configs = await db.select().from(instanceFlowConfigs).where(eq(instanceFlowConfigs.instanceId, row!.id));
    expect(configs.map((c) => c.flowStableKey).sort()).toEqual(['first', 'second']);
    // A second start (or a sibling process starting at once) adds no second one.
    await addMissingSystemInstances(db, h.vault);
    const all = await db.select({ id: instances.id }).from(instances).where(eq(instances.integrationId, integrationId));
    expect(all).toEqual([{ id: row!.id }]);
    const again = await gql(h.app, `query($id: ID!) { integration(id: $id) { systemInstance { id } } }`, { id: integration.id }, org.adminToken);
    expect(again.data.integration.systemInstance.id).toBe(encodeGlobalId('Instance', row!.id));
  });
});
