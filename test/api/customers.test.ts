import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, gql, type Harness } from '../support/harness';
import { seedCustomer, seedOrg, type SeededOrg } from '../support/seed';

const CREATE = `mutation($input: CreateCustomerInput!) {
  createCustomer(input: $input) { customer { id name externalId description labels } errors { field messages } }
}`;
const UPDATE = `mutation($input: UpdateCustomerInput!) {
  updateCustomer(input: $input) { customer { id name externalId } errors { field messages } }
}`;
const DELETE = `mutation($id: ID!) { deleteCustomer(input: { id: $id }) { customer { id name } errors { field messages } } }`;
const COUNT = `{ customers { totalCount } }`;

let h: Harness;
let org: SeededOrg;

beforeAll(async () => {
  h = createHarness();
  org = await seedOrg(h.database.db);
});
afterAll(() => h.close());

describe('createCustomer', () => {
  it('creates a customer and returns a Customer global id (Q3Vzd…)', async () => {
    const res = await gql(h.app, CREATE, { input: { name: 'Acme Corp', externalId: 'acme-1', labels: ['gold'], description: 'first' } }, org.adminToken);
    expect(res.data.createCustomer.errors).toEqual([]);
    const customer = res.data.createCustomer.customer;
    expect(customer).toMatchObject({ name: 'Acme Corp', externalId: 'acme-1', labels: ['gold'], description: 'first' });
    expect(customer.id.startsWith('Q3Vzd')).toBe(true);
    const found = await gql(h.app, `{ customers(externalId: "acme-1") { nodes { id name } } }`, {}, org.adminToken);
    expect(found.data.customers.nodes).toEqual([{ id: customer.id, name: 'Acme Corp' }]);
  });

  const invalidInputs: [string, Record<string, unknown>, string, string][] = [
    ['a blank name', { name: '   ' }, 'name', 'This field is required.'],
    ['a name over 255 characters', { name: 'x'.repeat(256) }, 'name', 'Must be at most 255 characters.'],
    ['a blank externalId', { name: 'Blank ext', externalId: ' ' }, 'externalId', 'Must not be blank; omit it or send null instead.'],
    ['a blank label', { name: 'Blank label', labels: ['ok', ''] }, 'labels', 'Labels must not be blank.'],
    ['a zero execution limit', { name: 'Zero limit', concurrentExecutionLimit: 0 }, 'concurrentExecutionLimit', 'Must be at least 1.'],
    ['a description over 4000 characters', { name: 'Long', description: 'd'.repeat(4001) }, 'description', 'Must be at most 4000 characters.'],
  ];
  it.each(invalidInputs)('rejects %s with a payload error on the field and writes nothing', async (_label, input, field, message) => {
    const before = (await gql(h.app, COUNT, {}, org.adminToken)).data.customers.totalCount;
    const res = await gql(h.app, CREATE, { input }, org.adminToken);
    expect(res.errors).toBeUndefined();
    expect(res.data.createCustomer).toEqual({ customer: null, errors: [{ field, messages: [message] }] });
    expect((await gql(h.app, COUNT, {}, org.adminToken)).data.customers.totalCount).toBe(before);
  });

  it('reports every invalid field at once', async () => {
    const res = await gql(h.app, CREATE, { input: { name: '', concurrentExecutionLimit: -1 } }, org.adminToken);
    expect(res.data.createCustomer.errors.map((e: { field: string }) => e.field)).toEqual(['name', 'concurrentExecutionLimit']);
  });

  it('rejects a duplicate name and a duplicate externalId, naming the field', async () => {
    await seedCustomer(h.database.db, org.admin, { name: 'Dup Name', externalId: 'dup-ext' });
    const byName = await gql(h.app, CREATE, { input: { name: 'Dup Name' } }, org.adminToken);
    expect(byName.data.createCustomer.errors).toEqual([{ field: 'name', messages: ['A customer with this name already exists.'] }]);
    const byExt = await gql(h.app, CREATE, { input: { name: 'Other', externalId: 'dup-ext' } }, org.adminToken);
    expect(byExt.data.createCustomer.errors).toEqual([{ field: 'externalId', messages: ['A customer with this external id already exists.'] }]);
  });

  it('leaves exactly one row when the same customer is created concurrently', async () => {
    const attempts = await Promise.all(
      Array.from({ length: 8 }, () => gql(h.app, CREATE, { input: { name: 'Racing Co', externalId: 'race-1' } }, org.adminToken)),
    );
    const created = attempts.filter((r) => r.data.createCustomer.customer);
    const rejected = attempts.filter((r) => r.data.createCustomer.errors.length > 0);
    expect(created).toHaveLength(1);
    expect(rejected).toHaveLength(7);
    const listed = await gql(h.app, `{ customers(name: "Racing Co") { totalCount } }`, {}, org.adminToken);
    expect(listed.data.customers.totalCount).toBe(1);
  });

  it('is for admins: a member gets a top-level FORBIDDEN error and nothing is written', async () => {
    const res = await gql(h.app, CREATE, { input: { name: 'Member made' } }, org.memberToken);
    expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await gql(h.app, `{ customers(name: "Member made") { totalCount } }`, {}, org.adminToken)).data.customers.totalCount).toBe(0);
  });
});

describe('updateCustomer and deleteCustomer', () => {
  it('updates only the fields given', async () => {
    const customer = await seedCustomer(h.database.db, org.admin, { name: 'Before', externalId: 'upd-1' });
    const id = Buffer.from(`Customer:${customer.id}`).toString('base64');
    const res = await gql(h.app, UPDATE, { input: { id, name: 'After' } }, org.adminToken);
    expect(res.data.updateCustomer).toEqual({ customer: { id, name: 'After', externalId: 'upd-1' }, errors: [] });
  });

  it('rejects invalid updates with payload errors and keeps the stored values', async () => {
    const customer = await seedCustomer(h.database.db, org.admin, { name: 'Keep me' });
    const taken = await seedCustomer(h.database.db, org.admin, { name: 'Taken name' });
    const id = Buffer.from(`Customer:${customer.id}`).toString('base64');
    const blank = await gql(h.app, UPDATE, { input: { id, name: '' } }, org.adminToken);
    expect(blank.data.updateCustomer.errors).toEqual([{ field: 'name', messages: ['This field is required.'] }]);
    const dup = await gql(h.app, UPDATE, { input: { id, name: taken.name } }, org.adminToken);
    expect(dup.data.updateCustomer.errors).toEqual([{ field: 'name', messages: ['A customer with this name already exists.'] }]);
    const wrongType = await gql(h.app, UPDATE, { input: { id: Buffer.from(`User:${customer.id}`).toString('base64'), name: 'X' } }, org.adminToken);
    expect(wrongType.data.updateCustomer.errors[0].field).toBe('id');
    const stored = await gql(h.app, `query($id: ID!) { customer(id: $id) { name } }`, { id }, org.adminToken);
    expect(stored.data.customer.name).toBe('Keep me');
  });

  it('deletes and returns the deleted customer; a second delete is "Record not found"', async () => {
    const customer = await seedCustomer(h.database.db, org.admin, { name: 'Doomed' });
    const id = Buffer.from(`Customer:${customer.id}`).toString('base64');
    const first = await gql(h.app, DELETE, { id }, org.adminToken);
    expect(first.data.deleteCustomer).toEqual({ customer: { id, name: 'Doomed' }, errors: [] });
    const second = await gql(h.app, DELETE, { id }, org.adminToken);
    expect(second.errors?.[0]?.message).toBe('Record not found');
  });
});

describe('customers query', () => {
  it('filters by name_Icontains and sorts with sortBy or orderBy', async () => {
    const tag = `srt${Date.now()}`;
    for (const n of ['b', 'a', 'c']) await seedCustomer(h.database.db, org.admin, { name: `${tag}-${n}` });
    const asc = await gql(
      h.app,
      `query($q: String) { customers(name_Icontains: $q, sortBy: [{ field: NAME, direction: ASC }]) { nodes { name } } }`,
      { q: tag.toUpperCase() },
      org.adminToken,
    );
    expect(asc.data.customers.nodes.map((c: { name: string }) => c.name)).toEqual([`${tag}-a`, `${tag}-b`, `${tag}-c`]);
    const desc = await gql(
      h.app,
      `query($q: String) { customers(name_Icontains: $q, orderBy: { field: NAME, direction: DESC }) { nodes { name } } }`,
      { q: tag },
      org.adminToken,
    );
    expect(desc.data.customers.nodes.map((c: { name: string }) => c.name)).toEqual([`${tag}-c`, `${tag}-b`, `${tag}-a`]);
  });

  it('treats LIKE wildcards in name_Icontains literally', async () => {
    const res = await gql(h.app, `{ customers(name_Icontains: "%") { totalCount } }`, {}, org.adminToken);
    expect(res.data.customers.totalCount).toBe(0);
  });
});
