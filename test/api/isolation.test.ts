import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeGlobalId } from '../../src/lib/global-id';
import { createHarness, gql, type Harness } from '../support/harness';
import { seedCustomer, seedOrg, type SeededOrg } from '../support/seed';

let h: Harness;
let orgA: SeededOrg;
let orgB: SeededOrg;
let customerOfA: string;
const missing = encodeGlobalId('Customer', '00000000-0000-4000-8000-0000000000ff');

const READ = `query($id: ID!) { customer(id: $id) { id name } }`;
const NODE = `query($id: ID!) { node(id: $id) { id } }`;
const UPDATE = `mutation($id: ID!) { updateCustomer(input: { id: $id, name: "hijacked" }) { customer { id } errors { field messages } } }`;
const DELETE = `mutation($id: ID!) { deleteCustomer(input: { id: $id }) { customer { id } errors { field messages } } }`;

beforeAll(async () => {
  h = createHarness();
  orgA = await seedOrg(h.database.db);
  orgB = await seedOrg(h.database.db);
  customerOfA = encodeGlobalId('Customer', (await seedCustomer(h.database.db, orgA.admin, { name: 'Secret Client', externalId: 'secret-ext' })).id);
});
afterAll(() => h.close());

describe("another organization's customer", () => {
  it.each([
    ['read', READ],
    ['update', UPDATE],
    ['delete', DELETE],
  ])('cannot be %sed, and the answer is identical to a missing id', async (_verb, document) => {
    const foreign = await gql(h.app, document, { id: customerOfA }, orgB.adminToken);
    const absent = await gql(h.app, document, { id: missing }, orgB.adminToken);
    expect(foreign).toEqual(absent);
    expect(foreign.errors?.[0]?.message).toBe('Record not found');
  });

  it('resolves to null through node(id:), like a missing id', async () => {
    const foreign = await gql(h.app, NODE, { id: customerOfA }, orgB.adminToken);
    const absent = await gql(h.app, NODE, { id: missing }, orgB.adminToken);
    expect(foreign).toEqual(absent);
    expect(foreign.data).toEqual({ node: null });
  });

  it('does not appear in lists or filters', async () => {
    const res = await gql(h.app, `{ customers(externalId: "secret-ext") { totalCount nodes { id } } }`, {}, orgB.adminToken);
    expect(res.data.customers).toEqual({ totalCount: 0, nodes: [] });
  });

  it('is unchanged after the attempts', async () => {
    const res = await gql(h.app, READ, { id: customerOfA }, orgA.adminToken);
    expect(res.data.customer).toEqual({ id: customerOfA, name: 'Secret Client' });
  });

  it('does not block the same name or external id in another organization', async () => {
    const res = await gql(
      h.app,
      `mutation { createCustomer(input: { name: "Secret Client", externalId: "secret-ext" }) { customer { name } errors { field } } }`,
      {},
      orgB.adminToken,
    );
    expect(res.data.createCustomer).toEqual({ customer: { name: 'Secret Client' }, errors: [] });
  });
});

describe('customer users', () => {
  it('see their own customer only', async () => {
    const own = await seedCustomer(h.database.db, orgA.admin, { name: 'Own Co' });
    const other = await seedCustomer(h.database.db, orgA.admin, { name: 'Other Co' });
    const { token } = await orgA.customerUser(own.id);
    const list = await gql(h.app, `{ customers { totalCount nodes { name } } }`, {}, token);
    expect(list.data.customers).toEqual({ totalCount: 1, nodes: [{ name: 'Own Co' }] });
    const otherRead = await gql(h.app, READ, { id: encodeGlobalId('Customer', other.id) }, token);
    expect(otherRead.errors?.[0]?.message).toBe('Record not found');
    const ownRead = await gql(h.app, READ, { id: encodeGlobalId('Customer', own.id) }, token);
    expect(ownRead.data.customer.name).toBe('Own Co');
  });

  it('cannot create, update or delete customers', async () => {
    const own = await seedCustomer(h.database.db, orgA.admin, { name: 'Read Only Co' });
    const { token } = await orgA.customerUser(own.id);
    const id = encodeGlobalId('Customer', own.id);
    expect((await gql(h.app, UPDATE, { id }, token)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await gql(h.app, DELETE, { id }, token)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await gql(h.app, READ, { id }, orgA.adminToken)).data.customer.name).toBe('Read Only Co');
  });
});

describe('members', () => {
  it('read customers but cannot change them', async () => {
    const res = await gql(h.app, READ, { id: customerOfA }, orgA.memberToken);
    expect(res.data.customer.name).toBe('Secret Client');
    expect((await gql(h.app, DELETE, { id: customerOfA }, orgA.memberToken)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});
