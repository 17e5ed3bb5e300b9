import { afterAll, beforeAll, expect, it } from 'vitest';
import { decodeGlobalId, encodeGlobalId } from '../../src/lib/global-id';
import type { SealedValue } from '../../src/vault/vault';
import { connectionId, createScoped } from '../support/connections';
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

// The mutation as a provisioning script sends it: the id back, nothing more to read.
const CREATE_CCV = `mutation($input: CreateCustomerConfigVariableInput!) {
  createCustomerConfigVariable(input: $input) { customerConfigVariable { id } errors { field messages } }
}`;

async function provision(customerId: string, value: string) {
  statements.length = 0;
  const input = { scopedConfigVariable: scvId, customer: encodeGlobalId('Customer', customerId), inputs: [{ name: 'apiKey', type: 'value', value }] };
  const res = await gql(h.app, CREATE_CCV, { input }, org.adminToken);
  expect(res.data.createCustomerConfigVariable.errors).toEqual([]);
  return statements.slice(tokenStatements);
}

it("reads the connection, the customer and the customer's data key in one statement and writes the value with its first data key in another", async () => {
  const customer = await seedCustomer(h.database.db, org.admin);
  const first = await provision(customer.id, 'ak_first');
  // The lookup, then one insert of the customer's first data key and the value together (one commit).
  expect(first).toHaveLength(2);
  const [lookup, insert] = first;
  expect(lookup).toMatch(/scoped_config_variables.*customers.*data_keys/s);
  expect(insert).toMatch(/insert into data_keys.*insert into customer_config_variables/s);
  expect(first.filter((sql) => /^(begin|commit)/i.test(sql))).toEqual([]);
  const keys = await h.database.pool.query('select id from data_keys where org_id = $1 and customer_id = $2', [org.orgId, customer.id]);
  expect(keys.rows).toHaveLength(1);

  // A second connection of the same customer finds its data key in the lookup and stores no other.
  const acme = await connectionId(h.app, org.adminToken, 'acme-api', 'api-key');
  scvId = (await createScoped(h.app, org.adminToken, { key: 'Second', stableKey: 'provisioned-2', variableScope: 'customer', connection: acme })).id;
  const second = await provision(customer.id, 'ak_second');
  expect(second).toHaveLength(2);
  const stored = await h.database.pool.query<{ dk: string }>(
    `select "values"->'apiKey'->>'dk' as dk from customer_config_variables where org_id = $1 and customer_id = $2`,
    [org.orgId, customer.id],
  );
  expect(stored.rows.map((row) => row.dk)).toEqual([keys.rows[0].id, keys.rows[0].id]);
  expect((await h.database.pool.query('select id from data_keys where org_id = $1 and customer_id = $2', [org.orgId, customer.id])).rows).toHaveLength(1);
});

it("stores one data key when a customer's first values for two connections arrive at once, and both open with it", async () => {
  const acme = await connectionId(h.app, org.adminToken, 'acme-api', 'api-key');
  const connections = await Promise.all(
    ['a', 'b'].map(
      async (suffix) =>
        (await createScoped(h.app, org.adminToken, { key: `Race ${suffix}`, stableKey: `race-${suffix}`, variableScope: 'customer', connection: acme })).id,
    ),
  );
  for (let round = 0; round < 4; round++) {
    const customer = await seedCustomer(h.database.db, org.admin);
    const answers = await Promise.all(
      connections.map((scopedConfigVariable, i) =>
        gql(
          h.app,
          CREATE_CCV,
          {
            input: {
              scopedConfigVariable,
              customer: encodeGlobalId('Customer', customer.id),
              inputs: [{ name: 'apiKey', type: 'value', value: `ak_race_${i}` }],
            },
          },
          org.adminToken,
        ),
      ),
    );
    for (const answer of answers) expect(answer.data.createCustomerConfigVariable.errors).toEqual([]);
    const keys = await h.database.pool.query('select id from data_keys where org_id = $1 and customer_id = $2', [org.orgId, customer.id]);
    expect(keys.rows).toHaveLength(1);
    const rows = await h.database.pool.query<{ id: string; values: Record<string, SealedValue> }>(
      `select id, "values" from customer_config_variables where org_id = $1 and customer_id = $2 order by scoped_config_variable_id = $3 desc`,
      [org.orgId, customer.id, decodeGlobalId(connections[0]!)!.id],
    );
    const owner = { orgId: org.orgId, customerId: customer.id };
    const opened = await Promise.all(rows.rows.map((row) => h.vault.open(h.database.db, owner, { record: row.id, field: 'apiKey' }, row.values.apiKey!)));
    expect(opened).toEqual(['ak_race_0', 'ak_race_1']);
  }
});
