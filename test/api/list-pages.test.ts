import { afterAll, beforeAll, expect, it } from 'vitest';
import { encodeGlobalId } from '../../src/lib/global-id';
import { connectionId, createCustomerValues, createScoped } from '../support/connections';
import { createHarness, gql, type Harness } from '../support/harness';
import { seedCustomer, seedOrg, type SeededOrg } from '../support/seed';

// Every SQL statement of this harness's requests, to see which lists are counted.
const statements: string[] = [];
let h: Harness;
let org: SeededOrg;
const stableKeys = { five: 'pages-five', two: 'pages-two' };

beforeAll(async () => {
  h = createHarness({ onQuery: (sql) => statements.push(sql) });
  org = await seedOrg(h.database.db);
  const acme = await connectionId(h.app, org.adminToken, 'acme-api', 'api-key');
  const five = await createScoped(h.app, org.adminToken, { key: 'Five', stableKey: stableKeys.five, variableScope: 'customer', connection: acme });
  const two = await createScoped(h.app, org.adminToken, { key: 'Two', stableKey: stableKeys.two, variableScope: 'customer', connection: acme });
  // Created one after another: the list order (created_at, id) is c0, c1, c2 …
  for (let i = 0; i < 5; i++) {
    const customer = await seedCustomer(h.database.db, org.admin, { externalId: `c${i}` });
    for (const scv of i < 2 ? [five, two] : [five]) {
      await createCustomerValues(h.app, org.adminToken, {
        scopedConfigVariable: scv.id,
        customer: encodeGlobalId('Customer', customer.id),
        inputs: [{ name: 'apiKey', type: 'value', value: `key-${i}` }],
      });
    }
  }
});
afterAll(() => h.close());

const counts = () => statements.filter((sql) => /\bcount\(/i.test(sql));

async function query(text: string) {
  statements.length = 0;
  const res = await gql(h.app, text, {}, org.adminToken);
  expect(res.errors).toBeUndefined();
  return res.data;
}

const AFTER_FIRST = Buffer.from('arrayconnection:0').toString('base64');
const nested = (total: string) => `{ scopedConfigVariables(sortBy: [{ field: KEY, direction: ASC }]) { nodes {
  stableKey customerConfigVariables(first: 2, after: "${AFTER_FIRST}") { ${total} pageInfo { hasNextPage } nodes { customer { externalId } } } } } }`;

it("pages each connection's values with its own offset and limit, and counts them only when totalCount is asked for", async () => {
  const counted = await query(nested('totalCount'));
  expect(counts().length).toBeGreaterThan(0);
  const pages = (data: any) =>
    data.scopedConfigVariables.nodes.map((n: any) => ({
      stableKey: n.stableKey,
      more: n.customerConfigVariables.pageInfo.hasNextPage,
      customers: n.customerConfigVariables.nodes.map((v: any) => v.customer.externalId),
    }));
  expect(pages(counted)).toEqual([
    { stableKey: stableKeys.five, more: true, customers: ['c1', 'c2'] },
    { stableKey: stableKeys.two, more: false, customers: ['c1'] },
  ]);
  expect(counted.scopedConfigVariables.nodes.map((n: any) => n.customerConfigVariables.totalCount)).toEqual([5, 2]);

  const uncounted = await query(nested(''));
  expect(pages(uncounted)).toEqual(pages(counted));
  expect(counts()).toEqual([]);
});

it('pages the organization-wide list with ORDER BY … LIMIT and knows whether more follow without counting', async () => {
  const list = (first: number, total: string) =>
    `{ customerConfigVariables(first: ${first}) { ${total} pageInfo { hasNextPage } nodes { customer { externalId } scopedConfigVariable { stableKey } } } }`;
  const counted = await query(list(7, 'totalCount'));
  expect(counted.customerConfigVariables.totalCount).toBe(7);
  expect(counted.customerConfigVariables.pageInfo.hasNextPage).toBe(false);
  expect(counts()).toHaveLength(1);

  const exact = await query(list(7, ''));
  expect(exact.customerConfigVariables).toEqual({ pageInfo: { hasNextPage: false }, nodes: counted.customerConfigVariables.nodes });
  expect(counts()).toEqual([]);
  const shorter = await query(list(6, ''));
  expect(shorter.customerConfigVariables).toEqual({ pageInfo: { hasNextPage: true }, nodes: counted.customerConfigVariables.nodes.slice(0, 6) });
  expect(counts()).toEqual([]);
});

it("loads each listed value's customer and connection in the page's own statement, as nodes or as edges through a fragment", async () => {
  await query('{ __typename }');
  const perRequest = statements.length; // the token lookup
  const asNodes = await query(`{ customerConfigVariables(first: 3) { nodes { customer { externalId } scopedConfigVariable { stableKey } } } }`);
  expect(statements.length - perRequest).toBe(1);
  expect(asNodes.customerConfigVariables.nodes).toEqual([
    { customer: { externalId: 'c0' }, scopedConfigVariable: { stableKey: stableKeys.five } },
    { customer: { externalId: 'c0' }, scopedConfigVariable: { stableKey: stableKeys.two } },
    { customer: { externalId: 'c1' }, scopedConfigVariable: { stableKey: stableKeys.five } },
  ]);
  const asEdges = await query(`{ customerConfigVariables(first: 3) { edges { node { ...Parents } } } }
    fragment Parents on CustomerConfigVariable { customer { externalId } scopedConfigVariable { stableKey } }`);
  expect(statements.length - perRequest).toBe(1);
  expect(asEdges.customerConfigVariables.edges.map((edge: any) => edge.node)).toEqual(asNodes.customerConfigVariables.nodes);
  // Without the parents selected, the page's statement joins nothing.
  await query(`{ customerConfigVariables(first: 3) { nodes { key } } }`);
  expect(statements.filter((sql) => /join "customers"/i.test(sql))).toEqual([]);
});
