import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCron } from '../../src/domain/integrations/definition';
import { encodeGlobalId } from '../../src/lib/global-id';
import { connectionId, createCustomerValues, createScoped } from '../support/connections';
import { createHarness, gql, type Harness } from '../support/harness';
import { seedCustomer, seedOrg, type SeededOrg } from '../support/seed';

let h: Harness;
let org: SeededOrg;
let other: SeededOrg;
let scopedId: string;
let integrationId: string;
const missing = encodeGlobalId('Instance', '00000000-0000-4000-8000-0000000000bb');
const TOKEN = 'zd-canary-4f1d6c2a';

const flowsYaml = (extraFlow = '') => `flows:
  - name: Account webhook
    stableKey: account-webhook
    trigger: { type: webhook }
    steps:
      - name: Get account
        action: { component: acme-api, key: get-account }
        connection: Acme Connection
  - name: Tickets
    stableKey: tickets
    trigger: { type: schedule, configVar: Sync schedule }
    steps:
      - name: List tickets
        action: { component: zendesk, key: list-tickets }
        connection: Zendesk
${extraFlow}`;

const definition = (extraFlow = '') => `name: Acme accounts
stableKey: acme-accounts
requiredConfigVars:
  - key: Acme Connection
    stableKey: acme-connection
    dataType: connection
    useScopedConfigVar: acme-api-key
  - key: Zendesk
    dataType: connection
    connection: { component: zendesk, key: api-token }
  - key: Batch size
    dataType: number
    defaultValue: "50"
  - key: Region
    dataType: string
  - key: Verbose
    dataType: boolean
    defaultValue: "false"
  - key: Sync schedule
    dataType: schedule
    defaultValue: "*/5 * * * *"
${flowsYaml(extraFlow)}`;

const zendeskValues = (values: Record<string, string>) => JSON.stringify(Object.entries(values).map(([name, value]) => ({ name, type: 'value', value })));

const FIELDS = `id name enabled labels deployedVersion needsDeploy configState
  customer { id } integration { id }
  missingConfiguration { key message }
  configVariables { nodes { key value status scopedConfigVariable { id } inputs { nodes { name value hasValue } } } }`;
const CREATE = `mutation($input: CreateInstanceInput!) { createInstance(input: $input) { instance { ${FIELDS} } errors { field messages } } }`;
const READ = `query($id: ID!) { instance(id: $id) { ${FIELDS} } }`;
const UPDATE = `mutation($input: UpdateInstanceInput!) { updateInstance(input: $input) { instance { id } errors { field messages } } }`;
const MERGE = `mutation($input: UpdateInstanceConfigVariablesInput!) { updateInstanceConfigVariables(input: $input) { instance { id } errors { field messages } } }`;
const DEPLOY = `mutation($id: ID!) { deployInstance(input: { id: $id, force: true }) { instance { id deployedVersion needsDeploy lastDeployedAt } errors { field messages } } }`;
const DELETE = `mutation($id: ID!) { deleteInstance(input: { id: $id }) { instance { id } errors { field messages } } }`;

async function createOk(input: Record<string, unknown>) {
  const res = await gql(h.app, CREATE, { input }, org.adminToken);
  if (!res.data?.createInstance?.instance) throw new Error(`createInstance failed: ${JSON.stringify(res)}`);
  return res.data.createInstance.instance;
}

const read = async (id: string, token = org.adminToken) => (await gql(h.app, READ, { id }, token)).data.instance;
const valuesOf = (instance: { configVariables: { nodes: { key: string; value: string | null; status: string }[] } }) =>
  Object.fromEntries(instance.configVariables.nodes.map((v) => [v.key, `${v.status}:${v.value}`]));

async function newCustomer(name: string) {
  const customer = await seedCustomer(h.database.db, org.admin, { name });
  return { ...customer, gid: encodeGlobalId('Customer', customer.id) };
}

beforeAll(async () => {
  h = createHarness();
  org = await seedOrg(h.database.db);
  other = await seedOrg(h.database.db);
  const acme = await connectionId(h.app, org.adminToken, 'acme-api', 'api-key');
  scopedId = (await createScoped(h.app, org.adminToken, { key: 'Acme API key', stableKey: 'acme-api-key', variableScope: 'customer', connection: acme })).id;
  const imported = await gql(
    h.app,
    `mutation($d: String!) { importIntegration(input: { definition: $d }) { integration { id } errors { field messages } } }`,
    { d: definition() },
    org.adminToken,
  );
  integrationId = imported.data.importIntegration.integration.id;
});
afterAll(() => h.close());

describe('createInstance', () => {
  it("binds the organization's connection by stable key and is fully configured once the customer has values", async () => {
    const globex = await newCustomer('Globex');
    const instance = await createOk({
      name: 'Globex accounts',
      integration: integrationId,
      customer: globex.gid,
      labels: ['eu'],
      configVariables: [
        { key: 'Region', value: 'eu-west' },
        { key: 'Zendesk', values: zendeskValues({ subdomain: 'globex', email: 'ops@globex.test', apiToken: TOKEN }) },
      ],
    });
    expect(instance).toEqual({
      id: instance.id,
      name: 'Globex accounts',
      enabled: true,
      labels: ['eu'],
      deployedVersion: null,
      needsDeploy: true,
      configState: 'NEEDS_INSTANCE_CONFIGURATION',
      customer: { id: globex.gid },
      integration: { id: integrationId },
      missingConfiguration: [
        {
          key: 'Acme Connection',
          message:
            'Connection "Acme Connection" uses the organization\'s connection "Acme API key" (stable key "acme-api-key"), which has no values for customer "Globex" yet: create them with createCustomerConfigVariable.',
        },
      ],
      configVariables: {
        nodes: [
          {
            key: 'Acme Connection',
            value: null,
            status: 'PENDING',
            scopedConfigVariable: { id: scopedId },
            // The organization's connection's inputs; the customer has no values for them yet.
            inputs: { nodes: ['apiKey', 'baseUrl'].map((name) => ({ name, value: null, hasValue: false })) },
          },
          {
            key: 'Zendesk',
            value: null,
            status: 'ACTIVE',
            scopedConfigVariable: null,
            inputs: {
              nodes: [
                { name: 'subdomain', value: 'globex', hasValue: true },
                { name: 'email', value: 'ops@globex.test', hasValue: true },
                { name: 'apiToken', value: null, hasValue: true },
              ],
            },
          },
          { key: 'Batch size', value: '50', status: 'ACTIVE', scopedConfigVariable: null, inputs: null },
          { key: 'Region', value: 'eu-west', status: 'ACTIVE', scopedConfigVariable: null, inputs: null },
          { key: 'Verbose', value: 'false', status: 'ACTIVE', scopedConfigVariable: null, inputs: null },
          { key: 'Sync schedule', value: '*/5 * * * *', status: 'ACTIVE', scopedConfigVariable: null, inputs: null },
        ],
      },
    });

    const ccv = await createCustomerValues(h.app, org.adminToken, {
      scopedConfigVariable: scopedId,
      customer: globex.gid,
      inputs: [{ name: 'apiKey', type: 'value', value: 'globex-key' }],
    });
    const after = await gql(
      h.app,
      `query($id: ID!) { instance(id: $id) { configState missingConfiguration { key } configVariables(status: "active") { totalCount nodes { key customerConfigVariable { id } } } } }`,
      { id: instance.id },
      org.adminToken,
    );
    expect(after.data.instance.configState).toBe('FULLY_CONFIGURED');
    expect(after.data.instance.missingConfiguration).toEqual([]);
    expect(after.data.instance.configVariables.totalCount).toBe(6);
    expect(after.data.instance.configVariables.nodes[0]).toEqual({ key: 'Acme Connection', customerConfigVariable: { id: ccv.id } });
  });

  it('names a missing value and missing inline connection inputs', async () => {
    const customer = await newCustomer('Initech');
    const instance = await createOk({
      name: 'Initech accounts',
      integration: integrationId,
      customer: customer.gid,
      configVariables: [{ key: 'Zendesk', values: zendeskValues({ subdomain: 'initech' }) }],
    });
    expect(instance.missingConfiguration.map((m: { message: string }) => m.message)).toEqual([
      'Connection "Acme Connection" uses the organization\'s connection "Acme API key" (stable key "acme-api-key"), which has no values for customer "Initech" yet: create them with createCustomerConfigVariable.',
      'Connection "Zendesk" is missing required inputs: email, apiToken.',
      'Config variable "Region" has no value and no default.',
    ]);
  });

  it('gives every flow a webhook URL with its own unguessable token', async () => {
    const customer = await newCustomer('Hooli');
    const instance = await createOk({ name: 'Hooli accounts', integration: integrationId, customer: customer.gid });
    const res = await gql(
      h.app,
      `query($id: ID!) { instance(id: $id) { flowConfigs { totalCount nodes { id webhookUrl apiKeys flow { name stableKey } } } } }`,
      { id: instance.id },
      org.adminToken,
    );
    const { totalCount, nodes } = res.data.instance.flowConfigs;
    expect(totalCount).toBe(2);
    expect(nodes.map((n: { flow: unknown }) => n.flow)).toEqual([
      { name: 'Account webhook', stableKey: 'account-webhook' },
      { name: 'Tickets', stableKey: 'tickets' },
    ]);
    for (const node of nodes) expect(node.webhookUrl).toMatch(/^http:\/\/127\.0\.0\.1\/webhooks\/[A-Za-z0-9_-]{43}$/);
    expect(new Set(nodes.map((n: { webhookUrl: string }) => n.webhookUrl)).size).toBe(2);
    expect(nodes[0].apiKeys).toEqual([]);
    const node = await gql(
      h.app,
      `query($id: ID!) { node(id: $id) { ... on InstanceFlowConfig { webhookUrl instance { id } } } }`,
      { id: nodes[0].id },
      org.adminToken,
    );
    expect(node.data.node).toEqual({ webhookUrl: nodes[0].webhookUrl, instance: { id: instance.id } });
  });

  it('never returns a secret input value', async () => {
    const customer = await newCustomer('Canary Co');
    const instance = await createOk({
      name: 'Canary',
      integration: integrationId,
      customer: customer.gid,
      configVariables: [{ key: 'Zendesk', values: zendeskValues({ apiToken: TOKEN }) }],
    });
    const res = await gql(
      h.app,
      `query($id: ID!) { instance(id: $id) { configVariables { nodes { value inputs { nodes { name value hasValue } } } } } }`,
      { id: instance.id },
      org.adminToken,
    );
    expect(JSON.stringify(res)).not.toContain(TOKEN);
    expect(res.data.instance.configVariables.nodes[1].inputs.nodes[2]).toEqual({ name: 'apiToken', value: null, hasValue: true });
  });
});

describe('bad config variable input: a payload error naming the field, and nothing written', () => {
  let customer: { id: string; gid: string };
  let existingId: string;
  beforeAll(async () => {
    customer = await newCustomer('Validation Co');
    existingId = (
      await createOk({ name: 'Existing', integration: integrationId, customer: customer.gid, configVariables: [{ key: 'Batch size', value: '7' }] })
    ).id;
  });

  const cron = parseCron('61 * * * *');
  const cases: [string, Record<string, unknown>[], string[]][] = [
    [
      'an unknown key',
      [{ key: 'Nope', value: 'x' }],
      ['"Nope" is not a config variable of integration "Acme accounts"; it has: Acme Connection, Zendesk, Batch size, Region, Verbose, Sync schedule.'],
    ],
    ['a number that is not one', [{ key: 'Batch size', value: 'many' }], ['Config variable "Batch size" is a number: "many" is not one.']],
    ['a boolean that is not one', [{ key: 'Verbose', value: 'yes' }], ['Config variable "Verbose" is a boolean: use "true" or "false".']],
    [
      'a schedule that is not a cron',
      [{ key: 'Sync schedule', value: '61 * * * *' }],
      [`Config variable "Sync schedule" must be a cron expression: ${cron.ok ? '' : cron.message}`],
    ],
    [
      "a value for the organization's connection",
      [{ key: 'Acme Connection', values: zendeskValues({ apiKey: 'k' }) }],
      [
        'Config variable "Acme Connection" uses the organization\'s connection "acme-api-key": its values come from that connection (per customer), so it takes no value here.',
      ],
    ],
    [
      'a value instead of values for a connection',
      [{ key: 'Zendesk', value: 'token' }],
      ['Config variable "Zendesk" is a connection: give its inputs in "values", not "value".'],
    ],
    [
      'values that are not a JSON list',
      [{ key: 'Zendesk', values: '{"subdomain":"x"}' }],
      ['Config variable "Zendesk": "values" must be a JSON list of inputs like [{"name":"apiKey","type":"value","value":"…"}].'],
    ],
    [
      'an unknown connection input',
      [{ key: 'Zendesk', values: zendeskValues({ token: 't' }) }],
      ['Config variable "Zendesk": Unknown input "token"; connection "api-token" has: subdomain, email, apiToken.'],
    ],
    [
      'values for a plain config variable',
      [{ key: 'Region', values: '[]' }],
      ['Config variable "Region" is a string: give it a "value"; "values" is for connection inputs.'],
    ],
    [
      'the same key twice',
      [
        { key: 'Region', value: 'a' },
        { key: 'Region', value: 'b' },
      ],
      ['Config variable "Region" is given more than once.'],
    ],
  ];

  it.each(cases)('createInstance with %s', async (_label, configVariables, messages) => {
    const before = (await gql(h.app, `query($c: ID) { instances(customer: $c) { totalCount } }`, { c: customer.gid }, org.adminToken)).data.instances
      .totalCount;
    const res = await gql(h.app, CREATE, { input: { name: 'Bad', integration: integrationId, customer: customer.gid, configVariables } }, org.adminToken);
    expect(res.data.createInstance).toEqual({ instance: null, errors: [{ field: 'configVariables', messages }] });
    const after = (await gql(h.app, `query($c: ID) { instances(customer: $c) { totalCount } }`, { c: customer.gid }, org.adminToken)).data.instances.totalCount;
    expect(after).toBe(before);
  });

  it.each(cases)('updateInstanceConfigVariables with %s', async (_label, configVariables, messages) => {
    const res = await gql(h.app, MERGE, { input: { id: existingId, configVariables } }, org.adminToken);
    expect(res.data.updateInstanceConfigVariables).toEqual({ instance: null, errors: [{ field: 'configVariables', messages }] });
    expect(valuesOf(await read(existingId))['Batch size']).toBe('ACTIVE:7');
  });

  it('names the integration and customer fields when their ids are wrong', async () => {
    const res = await gql(
      h.app,
      CREATE,
      { input: { name: ' ', integration: customer.gid, customer: encodeGlobalId('Customer', '00000000-0000-4000-8000-0000000000cc') } },
      org.adminToken,
    );
    expect(res.data.createInstance).toEqual({ instance: null, errors: [{ field: 'integration', messages: [`"${customer.gid}" is not an Integration id.`] }] });
    const missingCustomer = await gql(
      h.app,
      CREATE,
      { input: { name: ' ', integration: integrationId, customer: encodeGlobalId('Customer', '00000000-0000-4000-8000-0000000000cc') } },
      org.adminToken,
    );
    expect(missingCustomer.data.createInstance).toEqual({
      instance: null,
      errors: [
        { field: 'name', messages: ['This field is required.'] },
        { field: 'customer', messages: ['Record not found.'] },
      ],
    });
  });
});

describe('updateInstance replaces, updateInstanceConfigVariables merges', () => {
  it('resets config variables left out of updateInstance, and keeps them with updateInstanceConfigVariables', async () => {
    const customer = await newCustomer('Umbrella');
    const instance = await createOk({
      name: 'Umbrella accounts',
      integration: integrationId,
      customer: customer.gid,
      configVariables: [
        { key: 'Region', value: 'eu' },
        { key: 'Batch size', value: '10' },
        { key: 'Zendesk', values: zendeskValues({ subdomain: 'umbrella', email: 'it@umbrella.test', apiToken: TOKEN }) },
      ],
    });

    const merged = await gql(
      h.app,
      MERGE,
      {
        input: {
          id: instance.id,
          configVariables: [
            { key: 'Region', value: 'us' },
            { key: 'Zendesk', values: zendeskValues({ subdomain: 'umbrella-us' }) },
          ],
        },
      },
      org.adminToken,
    );
    expect(merged.data.updateInstanceConfigVariables.errors).toEqual([]);
    const afterMerge = await read(instance.id);
    expect(valuesOf(afterMerge)).toMatchObject({ Region: 'ACTIVE:us', 'Batch size': 'ACTIVE:10', Zendesk: 'ACTIVE:null' });
    expect(afterMerge.configVariables.nodes[1].inputs.nodes).toEqual([
      { name: 'subdomain', value: 'umbrella-us', hasValue: true },
      { name: 'email', value: 'it@umbrella.test', hasValue: true },
      { name: 'apiToken', value: null, hasValue: true },
    ]);

    const replaced = await gql(
      h.app,
      UPDATE,
      { input: { id: instance.id, name: 'Umbrella (renamed)', enabled: false, configVariables: [{ key: 'Batch size', value: '20' }] } },
      org.adminToken,
    );
    expect(replaced.data.updateInstance.errors).toEqual([]);
    const afterReplace = await read(instance.id);
    expect({ name: afterReplace.name, enabled: afterReplace.enabled }).toEqual({ name: 'Umbrella (renamed)', enabled: false });
    expect(valuesOf(afterReplace)).toEqual({
      'Acme Connection': 'PENDING:null',
      Zendesk: 'PENDING:null',
      'Batch size': 'ACTIVE:20',
      Region: 'PENDING:null',
      Verbose: 'ACTIVE:false',
      'Sync schedule': 'ACTIVE:*/5 * * * *',
    });
    expect(afterReplace.configVariables.nodes[0].scopedConfigVariable).toEqual({ id: scopedId });
    expect(afterReplace.configVariables.nodes[1].inputs.nodes.map((n: { hasValue: boolean }) => n.hasValue)).toEqual([false, false, false]);

    const renamedOnly = await gql(h.app, UPDATE, { input: { id: instance.id, labels: ['kept'] } }, org.adminToken);
    expect(renamedOnly.data.updateInstance.errors).toEqual([]);
    expect(valuesOf(await read(instance.id))['Batch size']).toBe('ACTIVE:20');
  });

  it('loses no value when partial updates run concurrently', async () => {
    const customer = await newCustomer('Concurrent Co');
    const instance = await createOk({ name: 'Concurrent', integration: integrationId, customer: customer.gid });
    const updates: [string, string][] = [
      ['Region', 'r'],
      ['Batch size', '3'],
      ['Verbose', 'true'],
      ['Sync schedule', '0 * * * *'],
    ];
    await Promise.all(updates.map(([key, value]) => gql(h.app, MERGE, { input: { id: instance.id, configVariables: [{ key, value }] } }, org.adminToken)));
    expect(valuesOf(await read(instance.id))).toMatchObject({
      Region: 'ACTIVE:r',
      'Batch size': 'ACTIVE:3',
      Verbose: 'ACTIVE:true',
      'Sync schedule': 'ACTIVE:0 * * * *',
    });
  });
});

describe('deployInstance', () => {
  it('requires a published version, deploys the latest, and adds the flows a new version brings', async () => {
    const imported = await gql(
      h.app,
      `mutation($d: String!) { importIntegration(input: { definition: $d }) { integration { id } } }`,
      { d: definition().replace('stableKey: acme-accounts', 'stableKey: deploy-me') },
      org.adminToken,
    );
    const deployable = imported.data.importIntegration.integration.id;
    const customer = await newCustomer('Soylent');
    const instance = await createOk({ name: 'Soylent accounts', integration: deployable, customer: customer.gid });

    const early = await gql(h.app, DEPLOY, { id: instance.id }, org.adminToken);
    expect(early.data.deployInstance).toEqual({
      instance: null,
      errors: [{ field: '__all__', messages: ['Publish the integration before deploying instances.'] }],
    });
    expect((await read(instance.id)).deployedVersion).toBeNull();

    await gql(h.app, `mutation($id: ID!) { publishIntegration(input: { id: $id }) { errors { field } } }`, { id: deployable }, org.adminToken);
    // Incomplete: refused, naming every missing setting, and nothing deployed.
    const incomplete = await gql(h.app, DEPLOY, { id: instance.id }, org.adminToken);
    expect(incomplete.data.deployInstance).toEqual({
      instance: null,
      errors: [
        {
          field: 'configVariables',
          messages: [
            'The instance cannot be deployed until it is configured:',
            'Connection "Zendesk" is missing required inputs: subdomain, email, apiToken.',
            'Config variable "Region" has no value and no default.',
          ],
        },
      ],
    });
    expect((await read(instance.id)).deployedVersion).toBeNull();

    const configured = await gql(
      h.app,
      `mutation($input: UpdateInstanceConfigVariablesInput!) { updateInstanceConfigVariables(input: $input) { errors { field messages } } }`,
      {
        input: {
          id: instance.id,
          configVariables: [
            { key: 'Region', value: 'us-east' },
            { key: 'Zendesk', values: zendeskValues({ subdomain: 'soylent', email: 'ops@soylent.test', apiToken: TOKEN }) },
          ],
        },
      },
      org.adminToken,
    );
    expect(configured.data.updateInstanceConfigVariables.errors).toEqual([]);
    const first = await gql(h.app, DEPLOY, { id: instance.id }, org.adminToken);
    expect(first.data.deployInstance.errors).toEqual([]);
    expect(first.data.deployInstance.instance).toMatchObject({ id: instance.id, deployedVersion: 1, needsDeploy: false });
    expect(new Date(first.data.deployInstance.instance.lastDeployedAt).getTime()).toBeGreaterThan(Date.now() - 60_000);

    const FLOWS = `query($id: ID!) { instance(id: $id) { deployedVersion needsDeploy flowConfigs { nodes { webhookUrl flow { stableKey } } } } }`;
    const before = (await gql(h.app, FLOWS, { id: instance.id }, org.adminToken)).data.instance;
    const extra = `  - name: Lookup
    stableKey: lookup
    trigger: { type: api }
    steps:
      - name: Get account
        action: { component: acme-api, key: get-account }
        connection: Acme Connection
`;
    await gql(
      h.app,
      `mutation($d: String!, $id: ID) { importIntegration(input: { definition: $d, integrationId: $id }) { errors { field } } }`,
      { d: definition(extra).replace('stableKey: acme-accounts', 'stableKey: deploy-me'), id: deployable },
      org.adminToken,
    );
    await gql(h.app, `mutation($id: ID!) { publishIntegration(input: { id: $id }) { errors { field } } }`, { id: deployable }, org.adminToken);
    const pending = (await gql(h.app, FLOWS, { id: instance.id }, org.adminToken)).data.instance;
    expect(pending).toEqual({ ...before, needsDeploy: true });

    await gql(h.app, DEPLOY, { id: instance.id }, org.adminToken);
    const after = (await gql(h.app, FLOWS, { id: instance.id }, org.adminToken)).data.instance;
    expect(after.deployedVersion).toBe(2);
    expect(after.needsDeploy).toBe(false);
    expect(after.flowConfigs.nodes.slice(0, 2)).toEqual(before.flowConfigs.nodes);
    expect(after.flowConfigs.nodes.map((n: { flow: { stableKey: string } }) => n.flow.stableKey)).toEqual(['account-webhook', 'tickets', 'lookup']);
  });
});

describe('deleteInstance', () => {
  it('deletes the instance; its integration cannot be deleted while it exists', async () => {
    const imported = await gql(
      h.app,
      `mutation($d: String!) { importIntegration(input: { definition: $d }) { integration { id } } }`,
      { d: definition().replace('stableKey: acme-accounts', 'stableKey: delete-flow') },
      org.adminToken,
    );
    const id = imported.data.importIntegration.integration.id;
    const customer = await newCustomer('Vandelay');
    const instance = await createOk({ name: 'Vandelay', integration: id, customer: customer.gid });
    const DELETE_INTEGRATION = `mutation($id: ID!) { deleteIntegration(input: { id: $id }) { integration { id } errors { field messages } } }`;
    const refused = await gql(h.app, DELETE_INTEGRATION, { id }, org.adminToken);
    expect(refused.data.deleteIntegration).toEqual({
      integration: null,
      errors: [{ field: 'id', messages: ['This integration has 1 instance(s); delete them first.'] }],
    });
    expect((await gql(h.app, DELETE, { id: instance.id }, org.adminToken)).data.deleteInstance).toEqual({ instance: { id: instance.id }, errors: [] });
    expect((await gql(h.app, READ, { id: instance.id }, org.adminToken)).errors?.[0]?.message).toBe('Record not found');
    expect((await gql(h.app, DELETE_INTEGRATION, { id }, org.adminToken)).data.deleteIntegration).toEqual({ integration: { id }, errors: [] });
  });
});

describe('lists', () => {
  it('filters instances by customer, integration and enabled, and nests them under customers', async () => {
    const customer = await newCustomer('Listed Co');
    const a = await createOk({ name: 'Listed A', integration: integrationId, customer: customer.gid });
    const b = await createOk({ name: 'Listed B', integration: integrationId, customer: customer.gid });
    await gql(h.app, UPDATE, { input: { id: b.id, enabled: false } }, org.adminToken);
    const res = await gql(
      h.app,
      `query($c: ID!, $i: ID) {
        all: instances(customer: $c, integration: $i, sortBy: [{ field: NAME, direction: DESC }]) { totalCount nodes { name } }
        enabled: instances(customer: $c, enabled: true) { nodes { id } }
        system: instances(customer: $c, isSystem: true) { totalCount }
        customer(id: $c) { instances(first: 1) { totalCount nodes { id } pageInfo { hasNextPage } } }
      }`,
      { c: customer.gid, i: integrationId },
      org.adminToken,
    );
    expect(res.data).toEqual({
      all: { totalCount: 2, nodes: [{ name: 'Listed B' }, { name: 'Listed A' }] },
      enabled: { nodes: [{ id: a.id }] },
      system: { totalCount: 0 },
      customer: { instances: { totalCount: 2, nodes: [{ id: a.id }], pageInfo: { hasNextPage: true } } },
    });
  });
});

describe('permissions and isolation', () => {
  let instanceId: string;
  let customerId: string;
  let customerGid: string;
  beforeAll(async () => {
    const customer = await newCustomer('Guarded Co');
    customerId = customer.id;
    customerGid = customer.gid;
    instanceId = (await createOk({ name: 'Guarded', integration: integrationId, customer: customer.gid, configVariables: [{ key: 'Region', value: 'eu' }] }))
      .id;
  });

  it.each([
    ['read', READ, { id: undefined }],
    ['update', UPDATE, { input: { name: 'hijacked' } }],
    ['reconfigure', MERGE, { input: { configVariables: [{ key: 'Region', value: 'hijacked' }] } }],
    ['deploy', DEPLOY, {}],
    ['delete', DELETE, {}],
  ])('another organization cannot %s it, and gets the same answer as for a missing id', async (_verb, document, vars) => {
    const withId = (id: string) => ('input' in vars ? { input: { ...(vars.input as object), id } } : { id });
    const foreign = await gql(h.app, document, withId(instanceId), other.adminToken);
    const absent = await gql(h.app, document, withId(missing), other.adminToken);
    expect(foreign).toEqual(absent);
    expect(foreign.errors?.[0]?.message).toBe('Record not found');
    expect((await read(instanceId)).name).toBe('Guarded');
    expect(valuesOf(await read(instanceId)).Region).toBe('ACTIVE:eu');
  });

  it("another organization cannot create an instance of this organization's integration or for its customer", async () => {
    const res = await gql(h.app, CREATE, { input: { name: 'X', integration: integrationId, customer: customerGid } }, other.adminToken);
    expect(res.data.createInstance).toEqual({
      instance: null,
      errors: [
        { field: 'integration', messages: ['Record not found.'] },
        { field: 'customer', messages: ['Record not found.'] },
      ],
    });
    expect((await gql(h.app, `{ instances { totalCount } }`, {}, other.adminToken)).data.instances.totalCount).toBe(0);
  });

  it('members read instances but cannot create, change, deploy or delete them', async () => {
    expect((await read(instanceId, org.memberToken)).configState).toBe('NEEDS_INSTANCE_CONFIGURATION');
    const attempts = await Promise.all([
      gql(h.app, CREATE, { input: { name: 'By member', integration: integrationId, customer: customerGid } }, org.memberToken),
      gql(h.app, UPDATE, { input: { id: instanceId, name: 'By member' } }, org.memberToken),
      gql(h.app, MERGE, { input: { id: instanceId, configVariables: [{ key: 'Region', value: 'member' }] } }, org.memberToken),
      gql(h.app, DEPLOY, { id: instanceId }, org.memberToken),
      gql(h.app, DELETE, { id: instanceId }, org.memberToken),
    ]);
    expect(attempts.map((r) => r.errors?.[0]?.message)).toEqual([
      'You are not allowed to create instances.',
      'You are not allowed to update instances.',
      'You are not allowed to update instances.',
      'You are not allowed to deploy instances.',
      'You are not allowed to delete instances.',
    ]);
    expect(valuesOf(await read(instanceId))).toMatchObject({ Region: 'ACTIVE:eu' });
    expect((await read(instanceId)).name).toBe('Guarded');
  });

  it("customer users read their own customer's instances only, without the integration", async () => {
    const { token } = await org.customerUser(customerId);
    const own = await gql(
      h.app,
      `query($id: ID!) { instance(id: $id) { name configState integration { id } missingConfiguration { key } } }`,
      { id: instanceId },
      token,
    );
    expect(own.data.instance).toEqual({
      name: 'Guarded',
      configState: 'NEEDS_INSTANCE_CONFIGURATION',
      integration: null,
      missingConfiguration: [{ key: 'Acme Connection' }, { key: 'Zendesk' }],
    });
    const list = await gql(h.app, `{ instances { totalCount nodes { id } } }`, {}, token);
    expect(list.data.instances).toEqual({ totalCount: 1, nodes: [{ id: instanceId }] });
    const elsewhere = await newCustomer('Elsewhere Co');
    const foreign = await createOk({ name: 'Elsewhere', integration: integrationId, customer: elsewhere.gid });
    expect((await gql(h.app, READ, { id: foreign.id }, token)).errors?.[0]?.message).toBe('Record not found');
    expect((await gql(h.app, UPDATE, { input: { id: instanceId, name: 'By customer' } }, token)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('nested reads', () => {
  it('cost the same number of SQL statements for one instance as for four', async () => {
    const statements: string[] = [];
    const counted = createHarness({ onQuery: (sql) => statements.push(sql) });
    try {
      const one = await newCustomer('One Co');
      const four = await newCustomer('Four Co');
      await createOk({
        name: 'Only',
        integration: integrationId,
        customer: one.gid,
        configVariables: [{ key: 'Zendesk', values: zendeskValues({ subdomain: 'only' }) }],
      });
      for (const name of ['A', 'B', 'C', 'D'])
        await createOk({
          name,
          integration: integrationId,
          customer: four.gid,
          configVariables: [{ key: 'Zendesk', values: zendeskValues({ subdomain: name }) }],
        });
      const QUERY = `query($c: ID) { instances(customer: $c) { nodes {
        name configState deployedVersion needsDeploy missingConfiguration { key }
        customer { name } integration { name }
        flowConfigs { nodes { webhookUrl flow { stableKey } } }
        configVariables { nodes { key status scopedConfigVariable { id } requiredConfigVariable { dataType scopedConfigVariable { id } } inputs { nodes { name value } } } }
      } } }`;
      const count = async (customer: string) => {
        statements.length = 0;
        const res = await gql(counted.app, QUERY, { c: customer }, org.adminToken);
        expect(res.errors).toBeUndefined();
        return statements.length;
      };
      const forOne = await count(one.gid);
      expect(await count(four.gid)).toBe(forOne);
      // 2 auth, 1 list (not counted: no totalCount selected), 2 definitions, customer, integration, flow configs, 3 for the config report (reusable
      // connections, customers' names, their values), reusable connection nodes, one by stable key, data keys,
      // and the organization's data key that opens the webhook tokens (stored sealed, shown in webhookUrl).
      expect(forOne).toBe(15);
    } finally {
      await counted.close();
    }
  });
});
