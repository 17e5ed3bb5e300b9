import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectorAuths } from '../../src/db/tables';
import { decodeGlobalId, encodeGlobalId } from '../../src/lib/global-id';
import { connectionId } from '../support/connections';
import { CREATE_CONNECTOR_AUTH, createConnectorAuth } from '../support/connector-auths';
import { createHarness, gql, type Harness } from '../support/harness';
import { seedCustomer, seedOrg, type SeededOrg } from '../support/seed';

let h: Harness;
let org: SeededOrg;
let acme: string;

beforeAll(async () => {
  h = createHarness();
  org = await seedOrg(h.database.db);
  acme = await connectionId(h.app, org.adminToken, 'acme-api', 'api-key');
});
afterAll(() => h.close());

const uuidOf = (globalId: string) => decodeGlobalId(globalId)!.id;
const rowsOfOrg = async (orgId: string) => h.database.db.select().from(connectorAuths).where(eq(connectorAuths.orgId, orgId));
const newCustomer = async (target = org) => encodeGlobalId('Customer', (await seedCustomer(h.database.db, target.admin)).id);
const acmeInputs = (apiKey: string) => [
  { name: 'apiKey', type: 'value', value: apiKey },
  { name: 'baseUrl', type: 'value', value: 'http://127.0.0.1:9' },
];

const READ = `query($id: ID!) { connectorAuth(id: $id) { id name customer { id } inputs { nodes { name value hasValue } } } }`;
const LIST = `query($customer: ID, $component: ID, $name: String) {
  connectorAuths(customer: $customer, component: $component, name: $name) { totalCount nodes { id name } }
}`;
const UPDATE = `mutation($input: UpdateConnectorAuthInput!) { updateConnectorAuth(input: $input) { connectorAuth { id name } errors { field messages } } }`;
const DELETE = `mutation($id: ID!) { deleteConnectorAuth(input: { id: $id }) { connectorAuth { id } errors { field messages } } }`;

describe('creating connector auths', () => {
  it('stores the values sealed and answers with the secret masked, like customer config variables', async () => {
    const customer = await newCustomer();
    const res = await gql(
      h.app,
      CREATE_CONNECTOR_AUTH,
      { input: { connection: acme, name: 'Acme of tenant 1', customer, inputs: acmeInputs('key-masked-1') } },
      org.adminToken,
    );
    const auth = res.data.createConnectorAuth.connectorAuth;
    expect(res.data.createConnectorAuth.errors).toEqual([]);
    expect(decodeGlobalId(auth.id)?.typeName).toBe('ConnectorAuth');
    expect(auth).toMatchObject({ name: 'Acme of tenant 1', customer: { id: customer }, connection: { key: 'api-key', component: { key: 'acme-api' } } });
    expect(auth.inputs.nodes).toEqual([
      { name: 'apiKey', value: null, hasValue: true },
      { name: 'baseUrl', value: 'http://127.0.0.1:9', hasValue: true },
    ]);
    const read = await gql(h.app, READ, { id: auth.id }, org.adminToken);
    expect(read.data.connectorAuth.inputs.nodes[0]).toEqual({ name: 'apiKey', value: null, hasValue: true });
    const [row] = await h.database.db
      .select()
      .from(connectorAuths)
      .where(eq(connectorAuths.id, uuidOf(auth.id)));
    expect(JSON.stringify(row)).not.toContain('key-masked-1');
    // Sealed with the customer's own data key, bound to this record and field.
    const owner = { orgId: org.orgId, customerId: uuidOf(customer) };
    expect(await h.vault.open(h.database.db, owner, { record: row!.id, field: 'apiKey' }, row!.values.apiKey!)).toBe('key-masked-1');
  });

  it.each([
    ['an unknown input', { inputs: [...acmeInputs('k'), { name: 'apiSecret', type: 'value', value: 'x' }] }, 'inputs', /Unknown input "apiSecret"/],
    ['a missing required input', { inputs: [{ name: 'baseUrl', type: 'value', value: 'http://127.0.0.1:9' }] }, 'inputs', /Input "apiKey" is required/],
    ['a wrong input type', { inputs: [{ name: 'apiKey', type: 'template', value: '{{ x }}' }] }, 'inputs', /only literal values/],
    ['an empty name', { name: '  ' }, 'name', /required/],
    ['an unknown connection', { connection: encodeGlobalId('Connection', '00000000-0000-4000-8000-000000000000') }, 'connection', /Record not found/],
    ['an unknown customer', { customer: encodeGlobalId('Customer', '00000000-0000-4000-8000-000000000000') }, 'customer', /Record not found/],
  ])('refuses %s with an error naming the field, and writes nothing', async (_what, change, field, message) => {
    const before = (await rowsOfOrg(org.orgId)).length;
    const input = { connection: acme, name: 'Bad', inputs: acmeInputs('k'), ...change };
    const res = await gql(h.app, CREATE_CONNECTOR_AUTH, { input }, org.adminToken);
    expect(res.data.createConnectorAuth.connectorAuth).toBeNull();
    const errors = res.data.createConnectorAuth.errors as { field: string; messages: string[] }[];
    expect(errors.map((e) => e.field)).toEqual([field]);
    expect(errors[0]!.messages.join(' ')).toMatch(message);
    expect((await rowsOfOrg(org.orgId)).length).toBe(before);
  });

  it('accepts OAuth 2.0 connections; a missing client secret names `inputs` and writes nothing', async () => {
    const sheets = await connectionId(h.app, org.adminToken, 'google-sheets', 'oauth2');
    const before = (await rowsOfOrg(org.orgId)).length;
    const input = { connection: sheets, name: 'Sheets', inputs: [{ name: 'clientId', type: 'value', value: 'c' }] };
    const refused = await gql(h.app, CREATE_CONNECTOR_AUTH, { input }, org.adminToken);
    expect(refused.data.createConnectorAuth.errors).toEqual([{ field: 'inputs', messages: ['Input "clientSecret" is required.'] }]);
    expect((await rowsOfOrg(org.orgId)).length).toBe(before);
    const withSecret = { ...input, inputs: [...input.inputs, { name: 'clientSecret', type: 'value', value: 'sheets-secret-1' }] };
    const created = await gql(h.app, CREATE_CONNECTOR_AUTH, { input: withSecret }, org.adminToken);
    expect(created.data.createConnectorAuth.errors).toEqual([]);
    expect((await rowsOfOrg(org.orgId)).length).toBe(before + 1);
  });

  it("another organization's customer reads like a missing one", async () => {
    const other = await seedOrg(h.database.db);
    const res = await gql(
      h.app,
      CREATE_CONNECTOR_AUTH,
      { input: { connection: acme, name: 'Foreign', customer: await newCustomer(other), inputs: acmeInputs('k') } },
      org.adminToken,
    );
    expect(res.data.createConnectorAuth.errors).toEqual([{ field: 'customer', messages: ['Record not found.'] }]);
  });
});

describe('listing, rotating and deleting', () => {
  it('filters by customer, component and name', async () => {
    const customer = await newCustomer();
    const own = await createConnectorAuth(h.app, org.adminToken, { connection: acme, name: 'Filter me', customer, inputs: acmeInputs('k1') });
    await createConnectorAuth(h.app, org.adminToken, { connection: acme, name: 'Org wide', inputs: acmeInputs('k2') });
    const byCustomer = await gql(h.app, LIST, { customer }, org.adminToken);
    expect(byCustomer.data.connectorAuths).toEqual({ totalCount: 1, nodes: [{ id: own, name: 'Filter me' }] });
    const component = (await gql(h.app, `{ components(key: "acme-api") { nodes { id } } }`, {}, org.adminToken)).data.components.nodes[0].id;
    const byComponentAndName = await gql(h.app, LIST, { component, name: 'Filter me' }, org.adminToken);
    expect(byComponentAndName.data.connectorAuths.nodes).toEqual([{ id: own, name: 'Filter me' }]);
    const zendesk = (await gql(h.app, `{ components(key: "zendesk") { nodes { id } } }`, {}, org.adminToken)).data.components.nodes[0].id;
    expect((await gql(h.app, LIST, { component: zendesk, name: 'Filter me' }, org.adminToken)).data.connectorAuths.totalCount).toBe(0);
  });

  it('rotates a secret in place; moving the destination requires the secret again', async () => {
    const id = await createConnectorAuth(h.app, org.adminToken, { connection: acme, name: 'Rotate', inputs: acmeInputs('old-key') });
    const sealedBefore = (
      await h.database.db
        .select()
        .from(connectorAuths)
        .where(eq(connectorAuths.id, uuidOf(id)))
    )[0]!.values.apiKey;
    const rotated = await gql(h.app, UPDATE, { input: { id, name: 'Rotated', inputs: [{ name: 'apiKey', type: 'value', value: 'new-key' }] } }, org.adminToken);
    expect(rotated.data.updateConnectorAuth).toEqual({ connectorAuth: { id, name: 'Rotated' }, errors: [] });
    const [row] = await h.database.db
      .select()
      .from(connectorAuths)
      .where(eq(connectorAuths.id, uuidOf(id)));
    expect(row!.values.apiKey).not.toEqual(sealedBefore);
    expect(await h.vault.open(h.database.db, { orgId: org.orgId, customerId: null }, { record: row!.id, field: 'apiKey' }, row!.values.apiKey!)).toBe(
      'new-key',
    );

    const moved = await gql(h.app, UPDATE, { input: { id, inputs: [{ name: 'baseUrl', type: 'value', value: 'http://elsewhere.test' }] } }, org.adminToken);
    expect(moved.data.updateConnectorAuth.errors).toEqual([{ field: 'inputs', messages: [expect.stringContaining('give "apiKey" again')] }]);
    const [after] = await h.database.db
      .select()
      .from(connectorAuths)
      .where(eq(connectorAuths.id, uuidOf(id)));
    expect(after!.values).toEqual(row!.values);
  });

  it('deletes: the auth is gone', async () => {
    const id = await createConnectorAuth(h.app, org.adminToken, { connection: acme, name: 'Delete me', inputs: acmeInputs('k') });
    expect((await gql(h.app, DELETE, { id }, org.adminToken)).data.deleteConnectorAuth).toEqual({ connectorAuth: { id }, errors: [] });
    const read = await gql(h.app, READ, { id }, org.adminToken);
    expect(read.errors?.[0]?.message).toBe('Record not found');
    expect(
      await h.database.db
        .select()
        .from(connectorAuths)
        .where(eq(connectorAuths.id, uuidOf(id))),
    ).toEqual([]);
  });

  it('deleting the customer crypto-shreds its auths: rows gone, a copy taken before can no longer be opened', async () => {
    const customer = await newCustomer();
    const id = await createConnectorAuth(h.app, org.adminToken, { connection: acme, name: 'Doomed', customer, inputs: acmeInputs('doomed-key') });
    const [copy] = await h.database.db
      .select()
      .from(connectorAuths)
      .where(eq(connectorAuths.id, uuidOf(id)));
    const where = [{ owner: { orgId: org.orgId, customerId: uuidOf(customer) }, slot: { record: copy!.id, field: 'apiKey' }, sealed: copy!.values.apiKey! }];
    expect(await h.vault.openMany(h.database.db, where)).toEqual(['doomed-key']);

    const deleted = await gql(
      h.app,
      `mutation($id: ID!) { deleteCustomer(input: { id: $id }) { errors { field messages } } }`,
      { id: customer },
      org.adminToken,
    );
    expect(deleted.data.deleteCustomer.errors).toEqual([]);
    expect((await gql(h.app, READ, { id }, org.adminToken)).errors?.[0]?.message).toBe('Record not found');
    expect(await h.database.db.select().from(connectorAuths).where(eq(connectorAuths.id, copy!.id))).toEqual([]);
    expect(await h.vault.openMany(h.database.db, where)).toEqual([null]);
  });
});

describe('who may see and change connector auths', () => {
  it('members read but cannot write', async () => {
    const id = await createConnectorAuth(h.app, org.adminToken, { connection: acme, name: 'Member reads', inputs: acmeInputs('k') });
    expect((await gql(h.app, READ, { id }, org.memberToken)).data.connectorAuth.name).toBe('Member reads');
    const before = (await rowsOfOrg(org.orgId)).length;
    const created = await gql(h.app, CREATE_CONNECTOR_AUTH, { input: { connection: acme, name: 'No', inputs: acmeInputs('k') } }, org.memberToken);
    expect(created.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const updated = await gql(h.app, UPDATE, { input: { id, name: 'No' } }, org.memberToken);
    expect(updated.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await gql(h.app, DELETE, { id }, org.memberToken)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await rowsOfOrg(org.orgId)).length).toBe(before);
    expect((await gql(h.app, READ, { id }, org.adminToken)).data.connectorAuth.name).toBe('Member reads');
  });

  it("customer users manage their own customer's auths and see nothing of another customer's", async () => {
    const mine = await newCustomer();
    const theirs = await newCustomer();
    const { token } = await org.customerUser(uuidOf(mine));
    const foreign = await createConnectorAuth(h.app, org.adminToken, { connection: acme, name: 'Theirs', customer: theirs, inputs: acmeInputs('k') });
    const orgWide = await createConnectorAuth(h.app, org.adminToken, { connection: acme, name: 'Org wide for customers', inputs: acmeInputs('k') });

    // Created without `customer`: it is the user's own customer's.
    const own = await gql(h.app, CREATE_CONNECTOR_AUTH, { input: { connection: acme, name: 'Mine', inputs: acmeInputs('k') } }, token);
    expect(own.data.createConnectorAuth.connectorAuth.customer).toEqual({ id: mine });
    const ownId = own.data.createConnectorAuth.connectorAuth.id;
    expect((await gql(h.app, UPDATE, { input: { id: ownId, name: 'Mine, renamed' } }, token)).data.updateConnectorAuth.errors).toEqual([]);

    const listed = await gql(h.app, LIST, {}, token);
    expect(listed.data.connectorAuths).toEqual({ totalCount: 1, nodes: [{ id: ownId, name: 'Mine, renamed' }] });
    for (const id of [foreign, orgWide]) {
      expect((await gql(h.app, READ, { id }, token)).errors?.[0]?.message).toBe('Record not found');
      expect((await gql(h.app, UPDATE, { input: { id, name: 'Hijacked' } }, token)).errors?.[0]?.message).toBe('Record not found');
      expect((await gql(h.app, DELETE, { id }, token)).errors?.[0]?.message).toBe('Record not found');
    }
    const forOther = await gql(
      h.app,
      CREATE_CONNECTOR_AUTH,
      { input: { connection: acme, name: 'For them', customer: theirs, inputs: acmeInputs('k') } },
      token,
    );
    expect(forOther.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await gql(h.app, READ, { id: foreign }, org.adminToken)).data.connectorAuth.name).toBe('Theirs');
  });

  it('another organization sees nothing, not even existence', async () => {
    const id = await createConnectorAuth(h.app, org.adminToken, { connection: acme, name: 'Private', inputs: acmeInputs('k') });
    const other = await seedOrg(h.database.db);
    const missing = encodeGlobalId('ConnectorAuth', '00000000-0000-4000-8000-000000000000');
    for (const target of [id, missing]) {
      expect((await gql(h.app, READ, { id: target }, other.adminToken)).errors?.[0]?.message).toBe('Record not found');
      expect((await gql(h.app, UPDATE, { input: { id: target, name: 'x' } }, other.adminToken)).errors?.[0]?.message).toBe('Record not found');
      expect((await gql(h.app, DELETE, { id: target }, other.adminToken)).errors?.[0]?.message).toBe('Record not found');
    }
    expect((await gql(h.app, LIST, {}, other.adminToken)).data.connectorAuths.totalCount).toBe(0);
    const node = await gql(h.app, `query($id: ID!) { node(id: $id) { id } }`, { id }, other.adminToken);
    expect(node.data?.node ?? null).toBeNull();
    expect((await gql(h.app, READ, { id }, org.adminToken)).data.connectorAuth.name).toBe('Private');
  });
});
