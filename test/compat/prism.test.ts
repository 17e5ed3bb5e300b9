import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeGlobalId, encodeGlobalId } from '../../src/lib/global-id';
import { createHarness, type Harness } from '../support/harness';
import { seedFinishedExecution } from '../support/executions';
import { deployInstance, importAndPublish } from '../support/integrations';
import { seedCustomer, seedOrg, type SeededOrg } from '../support/seed';
import { listen, prismCommands, succeededIn, type PrismResult } from './prism-cli';

let h: Harness;
let org: SeededOrg;
let server: Awaited<ReturnType<typeof listen>>;
let results: Record<string, PrismResult>;
const ids: Record<string, string> = {};

const definition = (name: string) => `name: ${name}
stableKey: ${name.toLowerCase().replace(/ /g, '-')}
requiredConfigVars:
  - key: Region
    dataType: string
    defaultValue: eu-central
flows:
  - name: Order hook
    stableKey: order-hook
    trigger: { type: webhook }
    steps:
      - name: Forward
        action: { component: http, key: http-request }
        inputs: { url: "https://orders.example.invalid/in" }
`;

/** Every command, run in order in one prism process (loading prism costs seconds); each `it` reads its outputs. */
beforeAll(async () => {
  server = await listen((url) => (h = createHarness({ publicUrl: url })).app);
  org = await seedOrg(h.database.db);
  const db = h.database.db;
  const listed = await seedCustomer(db, org.admin, { name: 'Listed Customer', externalId: 'listed-1' });
  const doomed = await seedCustomer(db, org.admin, { name: 'Doomed Customer' });
  ids.listed = encodeGlobalId('Customer', listed.id);
  ids.doomed = encodeGlobalId('Customer', doomed.id);
  const integration = await importAndPublish(h.app, org.adminToken, definition('Order Sync'));
  ids.integration = integration.id;
  ids.instance = (await deployInstance(h.app, org.adminToken, { integration: integration.id, customer: ids.listed, name: 'Orders for Listed' })).id;
  const run = await seedFinishedExecution(db, { orgId: org.orgId, integrationId: decodeGlobalId(integration.id)!.id, customerId: listed.id }, [
    { stepName: 'Forward', output: { forwarded: 3, to: 'orders' }, startedAt: new Date(Date.now() - 2000), endedAt: new Date(Date.now() - 1000) },
  ]);
  ids.execution = encodeGlobalId('InstanceExecutionResult', run.execution.id);
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'prism-def-')), 'definition.yml');
  writeFileSync(file, definition('Imported By Prism'));
  ids.definitionFile = file;
  ids.customerRole = encodeGlobalId('Role', 'customer_member');
  ids.memberRole = encodeGlobalId('Role', 'member');

  const table = ['--no-truncate', '--columns'];
  const commands: Record<string, string[]> = {
    me: ['me'],
    'customers:create': ['customers:create', '--name', 'Made By Prism', '--externalId', 'prism-1', '--label', 'gold'],
    'customers:update': ['customers:update', ids.listed, '--description', 'updated by prism'],
    'customers:delete': ['customers:delete', ids.doomed],
    'customers:list': ['customers:list', ...table, 'id,name,externalId,description'],
    'customers:users:roles': ['customers:users:roles', ...table, 'id,name'],
    'customers:users:create': [
      'customers:users:create',
      '--customer',
      ids.listed,
      '--email',
      'buyer@listed.test',
      '--name',
      'Bea Buyer',
      '--role',
      ids.customerRole,
    ],
    'customers:users:list': ['customers:users:list', ids.listed, ...table, 'name,email,role'],
    'organization:users:roles': ['organization:users:roles', ...table, 'id,name'],
    'organization:users:create': ['organization:users:create', '--email', 'olga@vendor.test', '--name', 'Olga Ops', '--role', ids.memberRole],
    'organization:users:list': ['organization:users:list', ...table, 'name,email,role'],
    'organization:signing-keys:list': ['organization:signing-keys:list'],
    'organization:connections:list': ['organization:connections:list'],
    'integrations:create': ['integrations:create', '--name', 'Created By Prism', '--description', 'flows later'],
    'integrations:import': ['integrations:import', '--path', ids.definitionFile],
    'integrations:export': ['integrations:export', ids.integration],
    'integrations:publish': ['integrations:publish', ids.integration, '--comment', 'second release'],
    'integrations:versions': ['integrations:versions', ids.integration, ...table, 'versionNumber,versionComment'],
    'integrations:list': ['integrations:list', ...table, 'id,name,versionNumber'],
    'integrations:list --customer': ['integrations:list', '--customer', ids.listed, ...table, 'id,name'],
    'integrations:flows:list': ['integrations:flows:list', ids.integration, ...table, 'name'],
    'instances:create': ['instances:create', '--name', 'Second orders', '--integration', ids.integration, '--customer', ids.listed, '--label', 'blue'],
    'instances:config-vars:list': ['instances:config-vars:list', ids.instance],
    'instances:flow-configs:list': ['instances:flow-configs:list', ids.instance],
    'instances:disable': ['instances:disable', ids.instance],
    'instances:enable': ['instances:enable', ids.instance],
    'instances:deploy': ['instances:deploy', ids.instance],
    'instances:list': ['instances:list', '--customer', ids.listed, ...table, 'id,name,enabled'],
    'instances:delete': ['instances:delete', ids.instance],
    'instances:list after delete': ['instances:list', '--customer', ids.listed, ...table, 'id,name'],
    'components:list': ['components:list', ...table, 'key,label,versionNumber'],
    'components:list --search': ['components:list', '--search', 'zendesk', ...table, 'key,label'],
    'components:actions:list': ['components:actions:list', 'zendesk', ...table, 'key,label'],
    'executions:step-result:get': ['executions:step-result:get', '--executionId', ids.execution, '--stepName', 'Forward'],
    'logs:severities:list': ['logs:severities:list', ...table, 'id,name'],
    'graphql:query': ['graphql:query', 'query($id: ID!) { customer(id: $id) { name externalId } }', '--variables', JSON.stringify({ id: ids.listed })],
  };
  results = await prismCommands(server.url, org.adminToken, commands);
}, 240_000);
afterAll(async () => {
  await server?.close();
  await h.close();
});

const succeeded = (name: string) => succeededIn(results, name);

describe('prism CLI 10.4 against tenantflow', () => {
  it('me prints the caller', () => {
    expect(succeeded('me')).toContain('Ada Admin');
  });

  it('customers:create, update and delete change the rows that customers:list then prints', () => {
    expect(succeeded('customers:create')).toMatch(/^Q3VzdG9tZXI6/);
    expect(succeeded('customers:update').trim()).toBe(ids.listed);
    succeeded('customers:delete');
    const list = succeeded('customers:list');
    expect(list).toMatch(/Made By Prism\s+prism-1/);
    expect(list).toMatch(new RegExp(`${ids.listed}\\s+Listed Customer\\s+listed-1\\s+updated by prism`));
    expect(list).not.toContain('Doomed Customer');
  });

  it('customers:users:roles lists the roles, one of which customers:users:create grants and customers:users:list shows', () => {
    expect(succeeded('customers:users:roles')).toMatch(new RegExp(`${encodeGlobalId('Role', 'customer_admin')}\\s+Admin`));
    expect(succeeded('customers:users:roles')).toMatch(new RegExp(`${ids.customerRole}\\s+Member`));
    expect(succeeded('customers:users:create')).toMatch(/^VXNlcj/);
    expect(succeeded('customers:users:list')).toMatch(/Bea Buyer\s+buyer@listed\.test\s+Member/);
  });

  it('organization:users:roles, create and list', () => {
    const roles = succeeded('organization:users:roles');
    expect(roles).toMatch(new RegExp(`${encodeGlobalId('Role', 'admin')}\\s+Admin`));
    expect(roles).toMatch(new RegExp(`${ids.memberRole}\\s+Member`));
    expect(succeeded('organization:users:create')).toMatch(/^VXNlcj/);
    const list = succeeded('organization:users:list');
    expect(list).toMatch(/Ada Admin\s+admin@\S+\s+Admin/);
    expect(list).toMatch(/Olga Ops\s+olga@vendor\.test\s+Member/);
    expect(list).not.toContain('Bea Buyer');
  });

  it('organization:signing-keys:list and organization:connections:list answer', () => {
    succeeded('organization:signing-keys:list');
    succeeded('organization:connections:list');
  });

  it('integrations:create adds an integration by name that integrations:list then prints', () => {
    const id = succeeded('integrations:create').trim();
    expect(id).toMatch(/^SW50ZWdyYXRpb246/);
    expect(succeeded('integrations:list')).toMatch(new RegExp(`${id}\\s+Created By Prism\\s+0`));
  });

  it('integrations:import creates an integration from a file; integrations:export prints the definition', () => {
    expect(succeeded('integrations:import').trim()).toMatch(/^SW50ZWdyYXRpb246/);
    const exported = succeeded('integrations:export');
    expect(exported).toContain('name: Order Sync');
    expect(exported).toContain('stableKey: order-hook');
  });

  it('integrations:publish adds a version that integrations:versions prints newest first; list and flows:list print the rows', () => {
    expect(succeeded('integrations:publish').trim()).toBe(ids.integration);
    expect(succeeded('integrations:versions')).toMatch(/2\s+second release[\s\S]*1\s/);
    const list = succeeded('integrations:list');
    expect(list).toMatch(new RegExp(`${ids.integration}\\s+Order Sync\\s+2`));
    expect(list).toContain('Imported By Prism');
    expect(succeeded('integrations:list --customer')).not.toContain('Order Sync');
    expect(succeeded('integrations:flows:list')).toContain('Order hook');
  });

  it('instances:create, config-vars:list, flow-configs:list, disable, enable, deploy, list and delete', () => {
    expect(succeeded('instances:create')).toMatch(/^SW5zdGFuY2U6/);
    expect(succeeded('instances:config-vars:list')).toMatch(/Region\s+eu-central\s+eu-central/);
    expect(succeeded('instances:flow-configs:list')).toContain('Order hook');
    expect(succeeded('instances:disable').trim()).toBe(ids.instance);
    expect(succeeded('instances:enable').trim()).toBe(ids.instance);
    expect(succeeded('instances:deploy').trim()).toBe(ids.instance);
    const list = succeeded('instances:list');
    expect(list).toMatch(new RegExp(`${ids.instance}\\s+Orders for Listed\\s+true`));
    expect(list).toContain('Second orders');
    succeeded('instances:delete');
    const after = succeeded('instances:list after delete');
    expect(after).not.toContain(ids.instance);
    expect(after).toContain('Second orders');
  });

  it('components:list prints the catalog; --search narrows it by key or label', () => {
    expect(succeeded('components:list')).toMatch(/http\s+HTTP\s+1[\s\S]*zendesk\s+Zendesk\s+1/);
    const found = succeeded('components:list --search');
    expect(found).toMatch(/zendesk\s+Zendesk/);
    expect(found).not.toMatch(/^\s*http\s/m);
  });

  it('components:actions:list prints the actions of a component', () => {
    expect(succeeded('components:actions:list')).toMatch(/list-tickets\s+List tickets[\s\S]*create-ticket\s+Create ticket/);
  });

  it("executions:step-result:get fetches the step's resultsUrl and prints its output", () => {
    expect(JSON.parse(succeeded('executions:step-result:get'))).toEqual({ forwarded: 3, to: 'orders' });
  });

  it('logs:severities:list prints the severities', () => {
    expect(succeeded('logs:severities:list')).toMatch(/1\s+DEBUG[\s\S]*4\s+ERROR/);
  });

  it('graphql:query runs a query with variables', () => {
    expect(JSON.parse(succeeded('graphql:query'))).toEqual({ customer: { name: 'Listed Customer', externalId: 'listed-1' } });
  });
});
