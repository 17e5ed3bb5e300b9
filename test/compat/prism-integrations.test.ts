import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeGlobalId } from '../../src/lib/global-id';
import { createHarness, gql, type Harness } from '../support/harness';
import { hookDefinition, importAndPublish } from '../support/integrations';
import { seedCustomer, seedOrg, type SeededOrg } from '../support/seed';
import { listen, prismCommands, succeededIn, type PrismResult } from './prism-cli';

// prism's integration commands against what tenantflow added for them: Prismatic YAML on export, version ids
// and their availability on instances:create, integrations:update as prism sends it, and customer-specific
// integrations (integrations:create --customer, integrations:list --customer / --org-only).

let h: Harness;
let org: SeededOrg;
let server: Awaited<ReturnType<typeof listen>>;
let results: Record<string, PrismResult>;
const ids: Record<string, string> = {};

const VERSIONS = `query($id: ID!) { integration(id: $id) { name versionSequence { nodes { id versionNumber } } } }`;
const AVAILABILITY = `mutation($id: ID!) { updateIntegrationVersionAvailability(input: { id: $id, available: false }) { errors { field } } }`;

beforeAll(async () => {
  server = await listen((url) => (h = createHarness({ publicUrl: url })).app);
  org = await seedOrg(h.database.db);
  const customer = await seedCustomer(h.database.db, org.admin, { name: 'Versioned Customer', externalId: 'versioned-customer' });
  ids.customer = encodeGlobalId('Customer', customer.id);
  const { id } = await importAndPublish(h.app, org.adminToken, hookDefinition({ name: 'Prism Versions' }));
  ids.integration = id;
  await gql(h.app, `mutation($id: ID!) { publishIntegration(input: { id: $id }) { errors { field } } }`, { id }, org.adminToken);
  const [v2, v1] = (await gql(h.app, VERSIONS, { id }, org.adminToken)).data.integration.versionSequence.nodes;
  ids.v1 = v1.id;
  ids.v2 = v2.id;
  expect((await gql(h.app, AVAILABILITY, { id: ids.v2 }, org.adminToken)).data.updateIntegrationVersionAvailability.errors).toEqual([]);

  const commands: Record<string, string[]> = {
    'integrations:versions --latest-available': ['integrations:versions', id, '--latest-available', '--extended', '--no-truncate', '--no-header'],
    'instances:create on the latest available version': ['instances:create', '--name', 'On v1', '--integration', ids.v1!, '--customer', ids.customer!],
    'instances:create on a withdrawn version': ['instances:create', '--name', 'On v2', '--integration', ids.v2!, '--customer', ids.customer!],
    'integrations:export': ['integrations:export', id],
    'integrations:update': ['integrations:update', id, '--name', 'Renamed By Prism'],
    'integrations:update --test-config-vars': ['integrations:update', id, '--test-config-vars', '[{"key":"Region","value":"eu"}]'],
    'integrations:create --customer': ['integrations:create', '--name', 'Built For One', '--description', 'customer-specific', '--customer', ids.customer],
    'integrations:list --customer': ['integrations:list', '--customer', ids.customer, '--no-truncate', '--columns', 'name,customerName,customerExternalId'],
    'integrations:list --org-only': ['integrations:list', '--org-only', '--no-truncate', '--columns', 'name'],
  };
  results = await prismCommands(server.url, org.adminToken, commands);
}, 240_000);
afterAll(async () => {
  await server?.close();
  await h.close();
});

const succeeded = (name: string) => succeededIn(results, name);

describe('prism CLI 10.4: integrations', () => {
  it('integrations:versions --latest-available prints the available version whose id instances:create takes', async () => {
    const listed = succeeded('integrations:versions --latest-available');
    expect(listed).toContain(ids.v1);
    expect(listed).not.toContain(ids.v2);
    const instanceId = succeeded('instances:create on the latest available version').trim();
    expect(instanceId).toMatch(/^SW5zdGFuY2U6/);
    const read = await gql(h.app, `query($id: ID!) { instance(id: $id) { name integration { id } } }`, { id: instanceId }, org.adminToken);
    expect(read.data.instance).toEqual({ name: 'On v1', integration: { id: ids.integration } });
  });

  it('instances:create on a withdrawn version fails with the message naming it, creating nothing', async () => {
    const refused = results['instances:create on a withdrawn version']!;
    expect(refused.code).not.toBe(0);
    expect(refused.stdout + refused.stderr).toContain('Version 2 is unavailable');
    const names = await gql(h.app, `{ instances { nodes { name } } }`, {}, org.adminToken);
    expect(names.data.instances.nodes).toEqual([{ name: 'On v1' }]);
  });

  it("integrations:export prints Prismatic's definitionVersion 7 YAML", () => {
    const exported = succeeded('integrations:export');
    expect(exported).toMatch(/^definitionVersion: 7$/m);
    expect(exported).toContain('name: Prism Versions');
  });

  it('integrations:update renames; test config variables are refused naming the field', async () => {
    expect(succeeded('integrations:update').trim()).toBe(ids.integration);
    const refused = results['integrations:update --test-config-vars']!;
    expect(refused.code).not.toBe(0);
    expect(refused.stdout + refused.stderr).toContain('testConfigVariables');
    expect((await gql(h.app, VERSIONS, { id: ids.integration }, org.adminToken)).data.integration.name).toBe('Renamed By Prism');
  });

  it('integrations:create --customer builds it for that customer; integrations:list prints its customer and --org-only leaves it out', () => {
    expect(succeeded('integrations:create --customer').trim()).toMatch(/^SW50ZWdyYXRpb246/);
    expect(succeeded('integrations:list --customer')).toMatch(/Built For One\s+Versioned Customer\s+versioned-customer/);
    expect(succeeded('integrations:list --customer')).not.toContain('Renamed By Prism');
    const orgOnly = succeeded('integrations:list --org-only');
    expect(orgOnly).toContain('Renamed By Prism');
    expect(orgOnly).not.toContain('Built For One');
  });
});
