import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeGlobalId } from '../../src/lib/global-id';
import { connectionId, createCustomerValues, createScoped } from '../support/connections';
import { createHarness, gql, type Harness } from '../support/harness';
import { deployInstance, importAndPublish } from '../support/integrations';
import { seedCustomer, seedOrg, type SeededOrg } from '../support/seed';
import { listen, prismCommands, succeededIn, type PrismResult } from './prism-cli';

// The prism CLI's instance commands against the fields clients need: version moves, org connection inputs, enable/disable.

let h: Harness;
let org: SeededOrg;
let server: Awaited<ReturnType<typeof listen>>;
let results: Record<string, PrismResult>;
const ids: Record<string, string> = {};
const PASSWORD = 'prism-sftp-canary-5e2d';

const definition = `name: Files Sync
stableKey: files-sync
requiredConfigVars:
  - key: SFTP
    dataType: connection
    useScopedConfigVar: prism-sftp
  - key: Region
    dataType: string
    defaultValue: eu-central
flows:
  - name: File hook
    stableKey: file-hook
    trigger: { type: webhook }
    steps:
      - { name: Forward, action: { component: http, key: http-request }, inputs: { url: "https://files.example.invalid/in" } }
`;

const STATE = `query($id: ID!) { instance(id: $id) { name enabled deployedVersion needsDeploy isCustomerUpgradeable } }`;

beforeAll(async () => {
  server = await listen((url) => (h = createHarness({ publicUrl: url })).app);
  org = await seedOrg(h.database.db);
  const scv = await createScoped(h.app, org.adminToken, {
    key: 'SFTP',
    stableKey: 'prism-sftp',
    variableScope: 'customer',
    connection: await connectionId(h.app, org.adminToken, 'sftp', 'username-password'),
    inputs: [{ name: 'host', type: 'value', value: 'sftp.vendor.example' }],
  });
  const customer = await seedCustomer(h.database.db, org.admin, { name: 'Umbrella' });
  const customerGid = encodeGlobalId('Customer', customer.id);
  await createCustomerValues(h.app, org.adminToken, {
    scopedConfigVariable: scv.id,
    customer: customerGid,
    inputs: [
      { name: 'username', type: 'value', value: 'umbrella' },
      { name: 'password', type: 'value', value: PASSWORD },
    ],
  });
  const integration = await importAndPublish(h.app, org.adminToken, definition);
  await gql(h.app, `mutation($id: ID!) { publishIntegration(input: { id: $id }) { errors { field messages } } }`, { id: integration.id }, org.adminToken);
  const versions = await gql(
    h.app,
    `query($id: ID!) { integration(id: $id) { versionSequence { nodes { id versionNumber } } } }`,
    { id: integration.id },
    org.adminToken,
  );
  const byNumber = (n: number) => versions.data.integration.versionSequence.nodes.find((v: { versionNumber: number }) => v.versionNumber === n).id as string;
  ids.v1 = byNumber(1);
  ids.v2 = byNumber(2);
  ids.instance = (await deployInstance(h.app, org.adminToken, { integration: integration.id, customer: customerGid, name: 'Umbrella files' })).id;

  const state = ['graphql:query', STATE, '--variables', JSON.stringify({ id: ids.instance })];
  const commands: Record<string, string[]> = {
    'instances:update --version': ['instances:update', ids.instance, '--name', 'Umbrella files v1', '--version', ids.v1, '--label', 'pinned'],
    'state after update': state,
    'instances:update --version --deploy': ['instances:update', ids.instance, '--version', ids.v1, '--deploy'],
    'state after deploy': state,
    'instances:config-vars:list': ['instances:config-vars:list', ids.instance, '--output', 'json'],
    'instances:flow-configs:list': ['instances:flow-configs:list', ids.instance, '--no-truncate', '--columns', 'id,webhookUrl'],
    'instances:disable': ['instances:disable', ids.instance],
    'state after disable': state,
    'instances:enable': ['instances:enable', ids.instance],
    'state after enable': state,
  };
  results = await prismCommands(server.url, org.adminToken, commands);
}, 240_000);
afterAll(async () => {
  await server?.close();
  await h?.close();
});

const succeeded = (name: string) => succeededIn(results, name);

describe('prism CLI 10.4 instance commands against tenantflow', () => {
  it('instances:update --version moves the instance to an older version; --deploy installs it', () => {
    expect(succeeded('instances:update --version').trim()).toBe(ids.instance);
    expect(JSON.parse(succeeded('state after update'))).toEqual({
      instance: { name: 'Umbrella files v1', enabled: true, deployedVersion: 2, needsDeploy: true, isCustomerUpgradeable: true },
    });
    expect(succeeded('instances:update --version --deploy').trim()).toBe(ids.instance);
    expect(JSON.parse(succeeded('state after deploy'))).toEqual({
      instance: { name: 'Umbrella files v1', enabled: true, deployedVersion: 1, needsDeploy: false, isCustomerUpgradeable: true },
    });
  });

  it("instances:config-vars:list shows the organization connection's inputs and the customer's values, never the password", () => {
    const out = succeeded('instances:config-vars:list');
    const rows = JSON.parse(out) as { key: string; value: unknown }[];
    const sftp = rows.find((row) => row.key === 'SFTP')!;
    expect(JSON.parse(sftp.value as string)).toEqual({
      nodes: [
        { name: 'host', value: 'sftp.vendor.example' },
        { name: 'port', value: null },
        { name: 'username', value: 'umbrella' },
        { name: 'password', value: null },
      ],
    });
    expect(rows.find((row) => row.key === 'Region')!.value).toBe('eu-central');
    expect(out).not.toContain(PASSWORD);
  });

  it('instances:flow-configs:list prints the flow config and its webhook URL', () => {
    const out = succeeded('instances:flow-configs:list');
    expect(out).toMatch(new RegExp(`SW5zdGFuY2VGbG93Q29uZmln[\\w=]+\\s+${server.url}/webhooks/[\\w-]{43}\\s`));
  });

  it('instances:disable and instances:enable flip enabled', () => {
    expect(succeeded('instances:disable').trim()).toBe(ids.instance);
    expect(JSON.parse(succeeded('state after disable')).instance.enabled).toBe(false);
    expect(succeeded('instances:enable').trim()).toBe(ids.instance);
    expect(JSON.parse(succeeded('state after enable')).instance.enabled).toBe(true);
  });
});
