import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeGlobalId } from '../../src/lib/global-id';
import { createHarness, gql, type Harness } from '../support/harness';
import { seedCustomer, seedOrg, type SeededOrg } from '../support/seed';

let h: Harness;
let org: SeededOrg;
const PAGE = `query($first: Int, $after: String, $last: Int, $before: String, $offset: Int, $q: String) {
  customers(name_Icontains: $q, first: $first, after: $after, last: $last, before: $before, offset: $offset, sortBy: [{ field: NAME, direction: ASC }]) {
    totalCount
    nodes { name }
    edges { cursor node { name } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;

beforeAll(async () => {
  h = createHarness();
  org = await seedOrg(h.database.db);
  for (let i = 0; i < 105; i++) await seedCustomer(h.database.db, org.admin, { name: `page-${String(i).padStart(3, '0')}` });
});
afterAll(() => h.close());

describe('global ids', () => {
  it('encodes ids as base64 of TypeName:uuid and resolves them through node(id:) and nodes(ids:)', async () => {
    const customer = await seedCustomer(h.database.db, org.admin, { name: 'Node me' });
    const id = encodeGlobalId('Customer', customer.id);
    expect(Buffer.from(id, 'base64').toString()).toBe(`Customer:${customer.id}`);
    const res = await gql(
      h.app,
      `query($id: ID!) { node(id: $id) { id __typename ... on Customer { name } } nodes(ids: [$id]) { id } }`,
      { id },
      org.adminToken,
    );
    expect(res.data).toEqual({ node: { id, __typename: 'Customer', name: 'Node me' }, nodes: [{ id }] });
  });

  it('rejects an id of another type on a typed field with a clear error', async () => {
    const customer = await seedCustomer(h.database.db, org.admin);
    const res = await gql(h.app, `query($id: ID!) { customer(id: $id) { id } }`, { id: encodeGlobalId('User', customer.id) }, org.adminToken);
    expect(res.errors?.[0]).toMatchObject({ message: expect.stringContaining('is not a Customer id'), extensions: { code: 'BAD_USER_INPUT' } });
  });

  it('rejects an id that is not a global id at all', async () => {
    const res = await gql(h.app, `{ customer(id: "not-an-id") { id } }`, {}, org.adminToken);
    expect(res.errors?.[0]?.message).toBe('id: "not-an-id" is not a Customer id.');
  });

  it('answers "Record not found" for a well-formed id that does not exist', async () => {
    const res = await gql(
      h.app,
      `query($id: ID!) { customer(id: $id) { id } }`,
      { id: encodeGlobalId('Customer', '00000000-0000-4000-8000-000000000000') },
      org.adminToken,
    );
    expect(res.errors?.[0]).toMatchObject({ message: 'Record not found', extensions: { code: 'NOT_FOUND' } });
  });
});

describe('pagination', () => {
  it('defaults to a page of 100 and reports the total', async () => {
    const res = await gql(h.app, PAGE, { q: 'page-' }, org.adminToken);
    const c = res.data.customers;
    expect(c.totalCount).toBe(105);
    expect(c.nodes).toHaveLength(100);
    expect(c.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
  });

  it('walks forward with first/after using arrayconnection cursors', async () => {
    const first = (await gql(h.app, PAGE, { q: 'page-', first: 2 }, org.adminToken)).data.customers;
    expect(first.nodes).toEqual([{ name: 'page-000' }, { name: 'page-001' }]);
    expect(Buffer.from(first.pageInfo.endCursor, 'base64').toString()).toBe('arrayconnection:1');
    const next = (await gql(h.app, PAGE, { q: 'page-', first: 2, after: first.pageInfo.endCursor }, org.adminToken)).data.customers;
    expect(next.nodes).toEqual([{ name: 'page-002' }, { name: 'page-003' }]);
    expect(next.pageInfo.hasPreviousPage).toBe(true);
    const tail = (await gql(h.app, PAGE, { q: 'page-', first: 100, offset: 100 }, org.adminToken)).data.customers;
    expect(tail.nodes.map((n: { name: string }) => n.name)).toEqual(['page-100', 'page-101', 'page-102', 'page-103', 'page-104']);
    expect(tail.pageInfo.hasNextPage).toBe(false);
  });

  it('walks backward with last and last/before', async () => {
    const last = (await gql(h.app, PAGE, { q: 'page-', last: 2 }, org.adminToken)).data.customers;
    expect(last.nodes).toEqual([{ name: 'page-103' }, { name: 'page-104' }]);
    const before = (await gql(h.app, PAGE, { q: 'page-', last: 2, before: last.pageInfo.startCursor }, org.adminToken)).data.customers;
    expect(before.nodes).toEqual([{ name: 'page-101' }, { name: 'page-102' }]);
  });

  it.each([
    ['first', { first: 101 }],
    ['last', { last: 101 }],
    ['first', { first: -1 }],
  ])('rejects %s out of bounds with an error naming the argument', async (field, args) => {
    const res = await gql(h.app, PAGE, { q: 'page-', ...args }, org.adminToken);
    expect(res.errors?.[0]?.message).toBe(`${field}: Must be between 0 and 100; page through larger lists with "after".`);
    expect(res.data?.customers ?? null).toBeNull();
  });

  it('rejects a cursor that is not one of ours', async () => {
    const res = await gql(h.app, PAGE, { q: 'page-', after: 'bogus' }, org.adminToken);
    expect(res.errors?.[0]?.message).toBe('after: "bogus" is not a cursor of this list.');
  });
});
