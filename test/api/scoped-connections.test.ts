import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeGlobalId } from '../../src/lib/global-id';
import { CREATE_CCV, CREATE_SCV, connectionId, createCustomerValues, createScoped } from '../support/connections';
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

const ccvCount = async (scvId: string) =>
  (await gql(h.app, `query($id: ID) { customerConfigVariables(scopedConfigVariable: $id) { totalCount } }`, { id: scvId }, org.adminToken)).data
    .customerConfigVariables.totalCount as number;

describe('seed 001: programmatically creating a customer connection in three operations', () => {
  it('runs the documented queries verbatim and returns U2Nvc… and Q3Vzd… ids', async () => {
    await createScoped(h.app, org.adminToken, { key: 'Acme API key', stableKey: 'acme-api-key', variableScope: 'customer', connection: acme });
    await seedCustomer(h.database.db, org.admin, { name: 'My Customer', externalId: 'my-external-id' });

    const first = await gql(
      h.app,
      `query {
scopedConfigVariables(stableKey: "acme-api-key") {
nodes {
id
key
stableKey
connection {
inputs {
nodes {
id
key
}
}
}
}
}
}`,
      {},
      org.adminToken,
    );
    const scv = first.data.scopedConfigVariables.nodes[0];
    expect(scv.id.startsWith('U2Nvc')).toBe(true);
    expect(scv.connection.inputs.nodes.map((n: { key: string }) => n.key)).toEqual(['apiKey', 'baseUrl']);

    const second = await gql(
      h.app,
      `query {
customers(externalId: "my-external-id") {
nodes {
id
name
}
}
}`,
      {},
      org.adminToken,
    );
    const customer = second.data.customers.nodes[0];
    expect(customer.id.startsWith('Q3Vzd')).toBe(true);

    const third = await gql(
      h.app,
      `mutation {
createCustomerConfigVariable(
input: {
scopedConfigVariable: "${scv.id}"
customer: "${customer.id}"
inputs: [{ value: "Testing", name: "apiKey", type: "value" }]
}
) {
customerConfigVariable {
id
}
errors {
field
messages
}
}
}`,
      {},
      org.adminToken,
    );
    expect(third.data.createCustomerConfigVariable.errors).toEqual([]);
    expect(third.data.createCustomerConfigVariable.customerConfigVariable.id.startsWith('Q3VzdG9tZXJDb25maWdWYXJpYWJsZ')).toBe(true);
  });
});

describe('createScopedConfigVariable', () => {
  it('requires a stable key and keeps it unique per organization', async () => {
    const blank = await gql(h.app, CREATE_SCV, { input: { key: 'K', stableKey: '', variableScope: 'customer', connection: acme } }, org.adminToken);
    expect(blank.data.createScopedConfigVariable.errors).toEqual([
      { field: 'stableKey', messages: ['This field is required: it matches this connection across tenants.'] },
    ]);
    await createScoped(h.app, org.adminToken, { key: 'Once', stableKey: 'unique-sk', variableScope: 'customer', connection: acme });
    const dup = await gql(h.app, CREATE_SCV, { input: { key: 'Twice', stableKey: 'unique-sk', variableScope: 'customer', connection: acme } }, org.adminToken);
    expect(dup.data.createScopedConfigVariable.errors).toEqual([{ field: 'stableKey', messages: ['A connection with this stable key already exists.'] }]);
  });

  it('leaves one row when the same stable key is created concurrently', async () => {
    const results = await Promise.all(
      Array.from({ length: 6 }, () =>
        gql(h.app, CREATE_SCV, { input: { key: 'Race', stableKey: 'race-sk', variableScope: 'customer', connection: acme } }, org.adminToken),
      ),
    );
    expect(results.filter((r) => r.data.createScopedConfigVariable.scopedConfigVariable)).toHaveLength(1);
    const listed = await gql(h.app, `{ scopedConfigVariables(stableKey: "race-sk") { totalCount } }`, {}, org.adminToken);
    expect(listed.data.scopedConfigVariables.totalCount).toBe(1);
  });

  it('accepts Prismatic casing (lowercase or uppercase) and reports enums in uppercase', async () => {
    const scv = await createScoped(h.app, org.adminToken, { key: 'Cased', stableKey: 'cased', variableScope: 'CUSTOMER', managedBy: 'org', connection: acme });
    expect(scv).toMatchObject({ variableScope: 'CUSTOMER', managedBy: 'ORG' });
  });

  it('refuses an OAuth 2.0 connection for an organization-activated connection, and allows it customer-activated', async () => {
    const oauth = await connectionId(h.app, org.adminToken, 'salesforce', 'oauth2');
    const refused = await gql(
      h.app,
      CREATE_SCV,
      { input: { key: 'SF', stableKey: 'sf-org', variableScope: 'customer', managedBy: 'org', connection: oauth } },
      org.adminToken,
    );
    expect(refused.data.createScopedConfigVariable.errors[0].field).toBe('connection');
    expect(refused.data.createScopedConfigVariable.errors[0].messages[0]).toContain('must be non-OAuth 2.0');
    const allowed = await gql(
      h.app,
      CREATE_SCV,
      { input: { key: 'SF', stableKey: 'sf-customer', variableScope: 'customer', managedBy: 'customer', connection: oauth } },
      org.adminToken,
    );
    expect(allowed.data.createScopedConfigVariable.errors).toEqual([]);
  });

  it.each([
    ['variableScope', { variableScope: 'team' }, 'Must be "customer" or "org".'],
    ['managedBy', { managedBy: 'system' }, 'Must be "org" or "customer".'],
    ['connection', { connection: encodeGlobalId('Connection', '00000000-0000-4000-8000-000000000000') }, 'Record not found.'],
    ['connection', { connection: null }, 'This field is required.'],
  ])('rejects a bad %s and writes nothing', async (field, override, message) => {
    const stableKey = `bad-${field}-${Math.random().toString(36).slice(2, 8)}`;
    const res = await gql(h.app, CREATE_SCV, { input: { key: 'Bad', stableKey, variableScope: 'customer', connection: acme, ...override } }, org.adminToken);
    expect(res.data.createScopedConfigVariable.errors).toEqual([{ field, messages: [message] }]);
    const listed = await gql(h.app, `query($sk: String) { scopedConfigVariables(stableKey: $sk) { totalCount } }`, { sk: stableKey }, org.adminToken);
    expect(listed.data.scopedConfigVariables.totalCount).toBe(0);
  });
});

describe('global and per-customer inputs', () => {
  const sftp = () => connectionId(h.app, org.adminToken, 'sftp', 'username-password');

  it('stores global values once; per-customer values per customer; global values cannot change', async () => {
    const scv = await createScoped(h.app, org.adminToken, {
      key: 'SFTP',
      stableKey: 'sftp-shared-host',
      variableScope: 'customer',
      connection: await sftp(),
      inputs: [
        { name: 'host', type: 'value', value: 'sftp.example.com' },
        { name: 'port', type: 'value', value: '2222' },
      ],
    });
    const inputs = (
      await gql(h.app, `query($id: ID!) { scopedConfigVariable(id: $id) { inputs { nodes { name value hasValue meta } } } }`, { id: scv.id }, org.adminToken)
    ).data.scopedConfigVariable.inputs.nodes;
    expect(inputs).toEqual([
      { name: 'host', value: 'sftp.example.com', hasValue: true, meta: '{"inputScope":"org"}' },
      { name: 'port', value: '2222', hasValue: true, meta: '{"inputScope":"org"}' },
      { name: 'username', value: null, hasValue: false, meta: '{"inputScope":"customer"}' },
      { name: 'password', value: null, hasValue: false, meta: '{"inputScope":"customer"}' },
    ]);

    const change = await gql(
      h.app,
      `mutation($id: ID!) { updateScopedConfigVariable(input: { id: $id, inputs: [{ name: "host", type: "value", value: "evil.example.com" }] }) { scopedConfigVariable { id } errors { field messages } } }`,
      { id: scv.id },
      org.adminToken,
    );
    expect(change.data.updateScopedConfigVariable.errors).toEqual([
      { field: 'inputs', messages: ['Input "host" is global and already set; global values cannot be changed.'] },
    ]);
    const same = await gql(
      h.app,
      `mutation($id: ID!) { updateScopedConfigVariable(input: { id: $id, key: "SFTP renamed", inputs: [{ name: "host", type: "value", value: "sftp.example.com" }] }) { scopedConfigVariable { key } errors { field messages } } }`,
      { id: scv.id },
      org.adminToken,
    );
    expect(same.data.updateScopedConfigVariable).toEqual({ scopedConfigVariable: { key: 'SFTP renamed' }, errors: [] });
    const after = (await gql(h.app, `query($id: ID!) { scopedConfigVariable(id: $id) { inputs { nodes { name value } } } }`, { id: scv.id }, org.adminToken))
      .data.scopedConfigVariable.inputs.nodes;
    expect(after[0]).toEqual({ name: 'host', value: 'sftp.example.com' });
  });

  it('refuses to change the stable key: it is not part of the update input', async () => {
    const scv = await createScoped(h.app, org.adminToken, { key: 'Fixed', stableKey: 'fixed-sk', variableScope: 'customer', connection: acme });
    const res = await gql(
      h.app,
      `mutation($id: ID!) { updateScopedConfigVariable(input: { id: $id, stableKey: "moved" }) { errors { field } } }`,
      { id: scv.id },
      org.adminToken,
    );
    expect(res.errors?.[0]?.message).toContain('"stableKey" is not defined by type "UpdateScopedConfigVariableInput"');
    const stored = await gql(h.app, `query($id: ID!) { scopedConfigVariable(id: $id) { stableKey } }`, { id: scv.id }, org.adminToken);
    expect(stored.data.scopedConfigVariable.stableKey).toBe('fixed-sk');
  });

  it('requires every required input of an all-global connection', async () => {
    const res = await gql(h.app, CREATE_SCV, { input: { key: 'G', stableKey: 'global-missing', variableScope: 'org', connection: acme } }, org.adminToken);
    expect(res.data.createScopedConfigVariable.errors).toEqual([
      { field: 'inputs', messages: ['Input "apiKey" is global and required: give it a value (global values cannot be changed later).'] },
    ]);
  });
});

describe('createCustomerConfigVariable: bad input gets a payload error naming the field and writes nothing', () => {
  let scvId: string;
  let customerId: string;
  beforeAll(async () => {
    const sftp = await connectionId(h.app, org.adminToken, 'sftp', 'username-password');
    scvId = (
      await createScoped(h.app, org.adminToken, {
        key: 'SFTP v',
        stableKey: 'sftp-validate',
        variableScope: 'customer',
        connection: sftp,
        inputs: [{ name: 'host', type: 'value', value: 'h' }],
      })
    ).id;
    customerId = encodeGlobalId('Customer', (await seedCustomer(h.database.db, org.admin)).id);
  });

  const valid = () => [
    { name: 'username', type: 'value', value: 'u' },
    { name: 'password', type: 'value', value: 'p' },
  ];
  type Expected = { field: string; messages: string[] };
  const cases: [string, () => Record<string, unknown>, Expected | (() => Expected)][] = [
    [
      'an unknown input name',
      () => ({ inputs: [...valid(), { name: 'hostname', type: 'value', value: 'x' }] }),
      { field: 'inputs', messages: ['Unknown input "hostname"; connection "username-password" has: host, port, username, password.'] },
    ],
    [
      'a missing required per-customer input',
      () => ({ inputs: [{ name: 'username', type: 'value', value: 'u' }] }),
      { field: 'inputs', messages: ['Input "password" is required.'] },
    ],
    [
      'a value for a global input',
      () => ({ inputs: [...valid(), { name: 'host', type: 'value', value: 'other' }] }),
      { field: 'inputs', messages: ['Input "host" is global: it is set once on the connection, not per customer.'] },
    ],
    [
      'a value of the wrong type',
      () => ({ inputs: [...valid().slice(0, 1), { name: 'password', type: 'configVar', value: 'p' }] }),
      {
        field: 'inputs',
        messages: ['Input "password" has type "configVar"; only literal values (type "value") can be stored.', 'Input "password" is required.'],
      },
    ],
    [
      'a scopedConfigVariable id of another type',
      () => ({ scopedConfigVariable: customerId, inputs: valid() }),
      () => ({ field: 'scopedConfigVariable', messages: [`"${customerId}" is not a ScopedConfigVariable id.`] }),
    ],
    [
      'a customer id of another type',
      () => ({ customer: scvId, inputs: valid() }),
      () => ({ field: 'customer', messages: [`"${scvId}" is not a Customer id.`] }),
    ],
    [
      'a missing customer',
      () => ({ customer: null, inputs: valid() }),
      { field: 'customer', messages: ['This field is required (or set isTest for test credentials).'] },
    ],
    [
      'a customer with test credentials',
      () => ({ isTest: true, inputs: valid() }),
      { field: 'customer', messages: ['Test credentials belong to no customer: leave customer out.'] },
    ],
  ];
  it.each(cases)('%s', async (_label, override, expected) => {
    const before = await ccvCount(scvId);
    const res = await gql(h.app, CREATE_CCV, { input: { scopedConfigVariable: scvId, customer: customerId, ...override() } }, org.adminToken);
    expect(res.data.createCustomerConfigVariable).toEqual({ customerConfigVariable: null, errors: [typeof expected === 'function' ? expected() : expected] });
    expect(await ccvCount(scvId)).toBe(before);
  });

  it("another organization's connection or customer is 'Record not found', like a missing one", async () => {
    const other = await seedOrg(h.database.db);
    const otherCustomer = encodeGlobalId('Customer', (await seedCustomer(h.database.db, other.admin)).id);
    const foreignScv = await gql(h.app, CREATE_CCV, { input: { scopedConfigVariable: scvId, customer: otherCustomer, inputs: valid() } }, other.adminToken);
    expect(foreignScv.data.createCustomerConfigVariable.errors).toEqual([{ field: 'scopedConfigVariable', messages: ['Record not found.'] }]);
    const foreignCustomer = await gql(h.app, CREATE_CCV, { input: { scopedConfigVariable: scvId, customer: otherCustomer, inputs: valid() } }, org.adminToken);
    expect(foreignCustomer.data.createCustomerConfigVariable.errors).toEqual([{ field: 'customer', messages: ['Record not found.'] }]);
  });

  it('rejects a second set of values for the same connection and customer, and concurrent duplicates leave one row', async () => {
    const customer = encodeGlobalId('Customer', (await seedCustomer(h.database.db, org.admin)).id);
    const results = await Promise.all(
      Array.from({ length: 6 }, () => gql(h.app, CREATE_CCV, { input: { scopedConfigVariable: scvId, customer, inputs: valid() } }, org.adminToken)),
    );
    const created = results.filter((r) => r.data.createCustomerConfigVariable.customerConfigVariable);
    expect(created).toHaveLength(1);
    for (const r of results.filter((r) => !r.data.createCustomerConfigVariable.customerConfigVariable)) {
      expect(r.data.createCustomerConfigVariable.errors).toEqual([
        { field: 'customer', messages: ['This customer already has values for this connection; update them instead.'] },
      ]);
    }
    const rows = await gql(
      h.app,
      `query($s: ID, $c: ID) { customerConfigVariables(scopedConfigVariable: $s, customer: $c) { totalCount } }`,
      { s: scvId, c: customer },
      org.adminToken,
    );
    expect(rows.data.customerConfigVariables.totalCount).toBe(1);
  });
});

describe('test credentials', () => {
  it('are created without a customer, edited at any time, and listed with isTest', async () => {
    const scv = await createScoped(h.app, org.adminToken, { key: 'Acme test', stableKey: 'acme-test-creds', variableScope: 'customer', connection: acme });
    const test = await createCustomerValues(h.app, org.adminToken, {
      scopedConfigVariable: scv.id,
      isTest: true,
      inputs: [{ name: 'apiKey', type: 'value', value: 'test-key' }],
    });
    const again = await gql(
      h.app,
      CREATE_CCV,
      { input: { scopedConfigVariable: scv.id, isTest: true, inputs: [{ name: 'apiKey', type: 'value', value: 'k2' }] } },
      org.adminToken,
    );
    expect(again.data.createCustomerConfigVariable.errors).toEqual([
      { field: 'isTest', messages: ['This connection already has test credentials; update them instead.'] },
    ]);
    const edited = await gql(
      h.app,
      `mutation($id: ID!) { updateCustomerConfigVariable(input: { id: $id, inputs: [{ name: "baseUrl", type: "value", value: "http://127.0.0.1:9" }] }) { customerConfigVariable { inputs { nodes { name value hasValue } } } errors { field } } }`,
      { id: test.id },
      org.adminToken,
    );
    expect(edited.data.updateCustomerConfigVariable.customerConfigVariable.inputs.nodes).toEqual([
      { name: 'apiKey', value: null, hasValue: true },
      { name: 'baseUrl', value: 'http://127.0.0.1:9', hasValue: true },
    ]);
    const listed = await gql(
      h.app,
      `query($id: ID!) { scopedConfigVariable(id: $id) { customerConfigVariables(isTest: true) { totalCount nodes { id isTest customer { id } } } } }`,
      { id: scv.id },
      org.adminToken,
    );
    expect(listed.data.scopedConfigVariable.customerConfigVariables).toEqual({ totalCount: 1, nodes: [{ id: test.id, isTest: true, customer: null }] });
  });
});
