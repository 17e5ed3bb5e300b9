import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeGlobalId } from '../../src/lib/global-id';
import { CREATE_CCV, connectionId, createCustomerValues, createScoped } from '../support/connections';
import { embeddedJwtSigner } from '../support/embedded-jwt';
import { createHarness, gql, type Harness } from '../support/harness';
import { seedCustomer, seedOrg, type SeededOrg } from '../support/seed';

let h: Harness;
let org: SeededOrg;
let orgActivated: { id: string };
let customerActivated: { id: string };
let ownCustomer: string;
let otherCustomer: string;
let ownValues: { id: string };
let otherValues: { id: string };

const LIST_SCV = `{ scopedConfigVariables { totalCount nodes { id stableKey } } }`;
const LIST_CCV = `{ customerConfigVariables { totalCount nodes { id } } }`;
const GET_SCV = `query($id: ID!) { scopedConfigVariable(id: $id) { id } }`;
const GET_CCV = `query($id: ID!) { customerConfigVariable(id: $id) { id } }`;

beforeAll(async () => {
  h = createHarness();
  org = await seedOrg(h.database.db);
  const acme = await connectionId(h.app, org.adminToken, 'acme-api', 'api-key');
  orgActivated = await createScoped(h.app, org.adminToken, { key: 'Org', stableKey: 'vis-org', variableScope: 'customer', connection: acme });
  customerActivated = await createScoped(h.app, org.adminToken, {
    key: 'Cust',
    stableKey: 'vis-customer',
    variableScope: 'customer',
    managedBy: 'customer',
    connection: acme,
  });
  const own = await seedCustomer(h.database.db, org.admin, { externalId: 'vis-own' });
  ownCustomer = encodeGlobalId('Customer', own.id);
  otherCustomer = encodeGlobalId('Customer', (await seedCustomer(h.database.db, org.admin)).id);
  await createCustomerValues(h.app, org.adminToken, {
    scopedConfigVariable: orgActivated.id,
    customer: ownCustomer,
    inputs: [{ name: 'apiKey', type: 'value', value: 'k1' }],
  });
  ownValues = await createCustomerValues(h.app, org.adminToken, {
    scopedConfigVariable: customerActivated.id,
    customer: ownCustomer,
    inputs: [{ name: 'apiKey', type: 'value', value: 'k2' }],
  });
  otherValues = await createCustomerValues(h.app, org.adminToken, {
    scopedConfigVariable: customerActivated.id,
    customer: otherCustomer,
    inputs: [{ name: 'apiKey', type: 'value', value: 'k3' }],
  });
});
afterAll(() => h.close());

async function customerUserTokens() {
  const { token } = await org.customerUser(Buffer.from(ownCustomer, 'base64').toString().split(':')[1]!);
  const sign = await embeddedJwtSigner(h.app, org.adminToken);
  const embedded = await sign({ sub: 'emb-vis', organization: encodeGlobalId('Organization', org.orgId), customer: 'vis-own' });
  return [
    ['a customer user', token],
    ['an embedded user', embedded],
  ] as const;
}

describe('customer users and embedded users', () => {
  it('see nothing of organization-activated connections, and customer-activated ones for their customer only', async () => {
    for (const [, token] of await customerUserTokens()) {
      const scvs = await gql(h.app, LIST_SCV, {}, token);
      expect(scvs.data.scopedConfigVariables.nodes).toEqual([{ id: customerActivated.id, stableKey: 'vis-customer' }]);
      expect((await gql(h.app, GET_SCV, { id: orgActivated.id }, token)).errors?.[0]?.message).toBe('Record not found');
      const ccvs = await gql(h.app, LIST_CCV, {}, token);
      expect(ccvs.data.customerConfigVariables.nodes).toEqual([{ id: ownValues.id }]);
      expect((await gql(h.app, GET_CCV, { id: otherValues.id }, token)).errors?.[0]?.message).toBe('Record not found');
    }
  });

  it("cannot write another customer's values or organization-activated values", async () => {
    const [[, token]] = await customerUserTokens();
    const onOrgActivated = await gql(h.app, CREATE_CCV, { input: { scopedConfigVariable: orgActivated.id, customer: ownCustomer, inputs: [] } }, token);
    expect(onOrgActivated.data.createCustomerConfigVariable.errors).toEqual([{ field: 'scopedConfigVariable', messages: ['Record not found.'] }]);
    const forOther = await gql(h.app, CREATE_CCV, { input: { scopedConfigVariable: customerActivated.id, customer: otherCustomer, inputs: [] } }, token);
    expect(forOther.data.createCustomerConfigVariable.errors).toEqual([{ field: 'customer', messages: ['Record not found.'] }]);
  });
});

describe('members and other organizations', () => {
  it('members read connections but cannot create them', async () => {
    expect((await gql(h.app, LIST_SCV, {}, org.memberToken)).data.scopedConfigVariables.totalCount).toBe(2);
    const res = await gql(h.app, `mutation { deleteScopedConfigVariable(input: { id: "${orgActivated.id}" }) { errors { field } } }`, {}, org.memberToken);
    expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('another organization sees none of it, and gets the answer a missing id gets', async () => {
    const other = await seedOrg(h.database.db);
    expect((await gql(h.app, LIST_SCV, {}, other.adminToken)).data.scopedConfigVariables.totalCount).toBe(0);
    expect((await gql(h.app, LIST_CCV, {}, other.adminToken)).data.customerConfigVariables.totalCount).toBe(0);
    const foreign = await gql(h.app, GET_CCV, { id: ownValues.id }, other.adminToken);
    const missing = await gql(h.app, GET_CCV, { id: encodeGlobalId('CustomerConfigVariable', '00000000-0000-4000-8000-000000000000') }, other.adminToken);
    expect(foreign).toEqual(missing);
    const node = await gql(h.app, `query($id: ID!) { node(id: $id) { id } }`, { id: orgActivated.id }, other.adminToken);
    expect(node.data).toEqual({ node: null });
  });
});
