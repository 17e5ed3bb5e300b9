import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeGlobalId } from '../../src/lib/global-id';
import { connectionId, createCustomerValues, createScoped } from '../support/connections';
import { createHarness, gql, type Harness } from '../support/harness';
import { seedCustomer, seedOrg, type SeededOrg } from '../support/seed';

// InstanceConfigVariable as Prismatic clients read it: inputs of organization connections, meta, schedule facts, authorizeUrl.

let h: Harness;
let org: SeededOrg;
let other: SeededOrg;
let instanceId: string;
let customerId: string;
const PASSWORD = 'sftp-canary-9b7e1f';
const CLIENT_SECRET = 'zd-client-secret-canary-31c2';

const definition = `name: Files
stableKey: files-${Date.now()}
requiredConfigVars:
  - key: SFTP
    dataType: connection
    useScopedConfigVar: sftp-files
  - key: Zendesk
    dataType: connection
    connection: { component: zendesk, key: oauth2 }
  - key: Nightly
    dataType: schedule
    defaultValue: "0 2 * * *"
    timeZone: Europe/Berlin
  - key: Folder
    dataType: string
    defaultValue: /in
flows:
  - name: Hook
    stableKey: hook
    trigger: { type: webhook }
    steps:
      - { name: Forward, action: { component: http, key: http-request }, inputs: { url: "https://files.example.invalid/in" } }
`;

const READ = `query($id: ID!) { instance(id: $id) { configVariables { nodes {
  key value meta scheduleType timeZone authorizeUrl inputs { nodes { name value hasValue meta } } } } } }`;

const byKey = (res: { data?: { instance: { configVariables: { nodes: { key: string }[] } } } }) =>
  Object.fromEntries(res.data!.instance.configVariables.nodes.map((node) => [node.key, node])) as Record<string, any>;

beforeAll(async () => {
  h = createHarness();
  [org, other] = await Promise.all([seedOrg(h.database.db), seedOrg(h.database.db)]);
  const scv = await createScoped(h.app, org.adminToken, {
    key: 'SFTP files',
    stableKey: 'sftp-files',
    variableScope: 'customer',
    connection: await connectionId(h.app, org.adminToken, 'sftp', 'username-password'),
    inputs: [
      { name: 'host', type: 'value', value: 'sftp.example.com' },
      { name: 'port', type: 'value', value: '2222' },
    ],
  });
  const customer = await seedCustomer(h.database.db, org.admin, { name: 'Initech' });
  customerId = customer.id;
  await createCustomerValues(h.app, org.adminToken, {
    scopedConfigVariable: scv.id,
    customer: encodeGlobalId('Customer', customer.id),
    inputs: [
      { name: 'username', type: 'value', value: 'initech' },
      { name: 'password', type: 'value', value: PASSWORD },
    ],
  });
  const imported = await gql(
    h.app,
    `mutation($d: String!) { importIntegration(input: { definition: $d }) { integration { id } errors { field messages } } }`,
    {
      d: definition,
    },
    org.adminToken,
  );
  const zendesk = [
    { name: 'subdomain', type: 'value', value: 'initech' },
    { name: 'authorizeUrl', type: 'value', value: 'https://initech.zendesk.com/oauth/authorizations/new' },
    { name: 'tokenUrl', type: 'value', value: 'https://initech.zendesk.com/oauth/tokens' },
    { name: 'clientId', type: 'value', value: 'tf-client' },
    { name: 'clientSecret', type: 'value', value: CLIENT_SECRET },
  ];
  const created = await gql(
    h.app,
    `mutation($input: CreateInstanceInput!) { createInstance(input: $input) { instance { id } errors { field messages } } }`,
    {
      input: {
        name: 'Initech files',
        integration: imported.data.importIntegration.integration.id,
        customer: encodeGlobalId('Customer', customer.id),
        configVariables: [{ key: 'Zendesk', values: JSON.stringify(zendesk) }],
      },
    },
    org.adminToken,
  );
  instanceId = created.data.createInstance.instance.id;
});
afterAll(() => h.close());

describe('InstanceConfigVariable', () => {
  it("shows an organization connection's global inputs and the customer's values, never a password", async () => {
    const res = await gql(h.app, READ, { id: instanceId }, org.adminToken);
    const sftp = byKey(res).SFTP;
    expect(sftp).toMatchObject({
      value: null,
      meta: '{"stableKey":"sftp-files","variableScope":"customer"}',
      scheduleType: null,
      timeZone: null,
      authorizeUrl: null,
    });
    expect(sftp.inputs.nodes).toEqual([
      { name: 'host', value: 'sftp.example.com', hasValue: true, meta: '{"inputScope":"org"}' },
      { name: 'port', value: '2222', hasValue: true, meta: '{"inputScope":"org"}' },
      { name: 'username', value: 'initech', hasValue: true, meta: '{"inputScope":"customer"}' },
      { name: 'password', value: null, hasValue: true, meta: '{"inputScope":"customer"}' },
    ]);
    expect(JSON.stringify(res)).not.toContain(PASSWORD);
  });

  it("shows a customer user the organization's global inputs as hasValue only", async () => {
    const { token } = await org.customerUser(customerId);
    const sftp = byKey(await gql(h.app, READ, { id: instanceId }, token)).SFTP;
    expect(sftp.inputs.nodes.map((node: { name: string; value: string | null; hasValue: boolean }) => [node.name, node.value, node.hasValue])).toEqual([
      ['host', null, true],
      ['port', null, true],
      ['username', 'initech', true],
      ['password', null, true],
    ]);
  });

  it('gives a schedule its type and time zone, a plain value no meta, and an inline OAuth 2.0 connection a real authorizeUrl', async () => {
    const res = await gql(h.app, READ, { id: instanceId }, org.adminToken);
    const { Nightly, Folder, Zendesk } = byKey(res);
    expect(Nightly).toMatchObject({
      value: '0 2 * * *',
      scheduleType: 'CUSTOM',
      timeZone: 'Europe/Berlin',
      meta: '{"scheduleType":"CUSTOM","timeZone":"Europe/Berlin"}',
    });
    expect(Folder).toMatchObject({ value: '/in', meta: null, scheduleType: null, timeZone: null, authorizeUrl: null, inputs: null });
    expect(Zendesk.meta).toBe('{"component":"zendesk","connection":"oauth2"}');
    const url = new URL(Zendesk.authorizeUrl);
    expect(url.origin + url.pathname).toBe('https://initech.zendesk.com/oauth/authorizations/new');
    expect(url.searchParams.get('client_id')).toBe('tf-client');
    expect(url.searchParams.get('response_type')).toBe('code');
    expect(url.searchParams.get('state')).toMatch(/^[\w-]{200,}$/);
    expect(JSON.stringify(res)).not.toContain(CLIENT_SECRET);
  });

  it('another organization reads nothing of it: the same answer as for a missing instance', async () => {
    const foreign = await gql(h.app, READ, { id: instanceId }, other.adminToken);
    const absent = await gql(h.app, READ, { id: encodeGlobalId('Instance', '00000000-0000-4000-8000-0000000000ee') }, other.adminToken);
    expect(foreign).toEqual(absent);
    expect(JSON.stringify(foreign)).not.toContain('sftp.example.com');
  });
});
