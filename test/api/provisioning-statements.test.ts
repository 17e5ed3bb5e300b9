import { afterAll, beforeAll, expect, it } from 'vitest';
import { encodeGlobalId } from '../../src/lib/global-id';
import { CREATE_CCV, connectionId, createScoped } from '../support/connections';
import { createHarness, gql, type Harness } from '../support/harness';
import { seedCustomer, seedOrg, type SeededOrg } from '../support/seed';

// Every SQL statement of this harness's requests: createCustomerConfigVariable's round trips are pinned.
const statements: string[] = [];
let h: Harness;
let org: SeededOrg;
let scvId: string;
let tokenStatements: number;

beforeAll(async () => {
  h = createHarness({ onQuery: (sql) => statements.push(sql) });
  org = await seedOrg(h.database.db);
  const acme = await connectionId(h.app, org.adminToken, 'acme-api', 'api-key');
  scvId = (await createScoped(h.app, org.adminToken, { key: 'Provisioned', stableKey: 'provisioned', variableScope: 'customer', connection: acme })).id;
  statements.length = 0;
  await gql(h.app, '{ __typename }', {}, org.adminToken);
  tokenStatements = statements.length;
});
afterAll(() => h.close());

async function provision(customerId: string, value: string) {
  statements.length = 0;
  const input = { scopedConfigVariable: scvId, customer: encodeGlobalId('Customer', customerId), inputs: [{ name: 'apiKey', type: 'value', value }] };
  const res = await gql(h.app, CREATE_CCV, { input }, org.adminToken);
  expect(res.data.createCustomerConfigVariable.errors).toEqual([]);
  return statements.slice(tokenStatements);
}

it("reads the connection, the customer and the customer's data key in one statement and writes the value without a transaction", async () => {
  const customer = await seedCustomer(h.database.db, org.admin);
  const first = await provision(customer.id, 'ak_first');
  // The lookup, the customer's first data key, the value; then the response's own reads (customer, inputs).
  const [lookup, keyInsert, valueInsert] = first;
  expect(lookup).toMatch(/"scoped_config_variables".*"customers".*"data_keys"/s);
  expect(keyInsert).toMatch(/^insert into "data_keys"/);
  expect(valueInsert).toMatch(/^insert into "customer_config_variables"/);
  expect(first.filter((sql) => /^(begin|commit)/i.test(sql))).toEqual([]);

  // A second connection of the same customer finds its data key in the lookup: nothing else before the insert.
  const acme = await connectionId(h.app, org.adminToken, 'acme-api', 'api-key');
  scvId = (await createScoped(h.app, org.adminToken, { key: 'Second', stableKey: 'provisioned-2', variableScope: 'customer', connection: acme })).id;
  const second = await provision(customer.id, 'ak_second');
  expect(second[0]).toMatch(/"data_keys"/);
  expect(second[1]).toMatch(/^insert into "customer_config_variables"/);
  expect(second.filter((sql) => /"data_keys"/.test(sql))).toHaveLength(1);
});
