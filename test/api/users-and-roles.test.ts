import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeGlobalId } from '../../src/lib/global-id';
import { connectionId } from '../support/connections';
import { CREATE_CONNECTOR_AUTH } from '../support/connector-auths';
import { createHarness, gql, type Harness } from '../support/harness';
import { seedCustomer, seedOrg, type SeededOrg } from '../support/seed';

let h: Harness;
let orgA: SeededOrg;
let orgB: SeededOrg;
let customerOfA: string;
let otherCustomerOfA: string;
const customerRole = encodeGlobalId('Role', 'customer_member');
const customerAdminRole = encodeGlobalId('Role', 'customer_admin');
const memberRole = encodeGlobalId('Role', 'member');
const missingCustomer = encodeGlobalId('Customer', '00000000-0000-4000-8000-0000000000ee');

const CREATE_ORG_USER = `mutation($input: CreateOrganizationUserInput!) { createOrganizationUser(input: $input) { user { id name email role { id name } } errors { field messages } } }`;
const CREATE_CUSTOMER_USER = `mutation($input: CreateCustomerUserInput!) { createCustomerUser(input: $input) { user { id name customer { id } role { name } } errors { field messages } } }`;
const ORG_USERS = `{ organization { users { totalCount nodes { name email role { name } } } } }`;
const CUSTOMER_USERS = `query($id: ID!) { customer(id: $id) { users(after: "") { totalCount nodes { name email } } } }`;

beforeAll(async () => {
  h = createHarness();
  orgA = await seedOrg(h.database.db);
  orgB = await seedOrg(h.database.db);
  customerOfA = encodeGlobalId('Customer', (await seedCustomer(h.database.db, orgA.admin, { name: 'A One' })).id);
  otherCustomerOfA = encodeGlobalId('Customer', (await seedCustomer(h.database.db, orgA.admin, { name: 'A Two' })).id);
});
afterAll(() => h.close());

describe('roles and users', () => {
  it('lists the organization and customer roles with ids that create users', async () => {
    const res = await gql(h.app, '{ organizationRoles { id name } customerRoles { id name } }', {}, orgA.memberToken);
    expect(res.data).toEqual({
      organizationRoles: [
        { id: encodeGlobalId('Role', 'admin'), name: 'Admin' },
        { id: memberRole, name: 'Member' },
      ],
      customerRoles: [
        { id: customerAdminRole, name: 'Admin' },
        { id: customerRole, name: 'Member' },
      ],
    });
    const created = await gql(
      h.app,
      CREATE_ORG_USER,
      { input: { email: 'mia@a.test', name: 'Mia', role: memberRole, clientMutationId: 'c1' } },
      orgA.adminToken,
    );
    expect(created.data.createOrganizationUser).toMatchObject({
      user: { name: 'Mia', email: 'mia@a.test', role: { id: memberRole, name: 'Member' } },
      errors: [],
    });
    const users = await gql(h.app, ORG_USERS, {}, orgA.memberToken);
    expect(users.data.organization.users.nodes.map((u: { name: string }) => u.name)).toEqual(expect.arrayContaining(['Ada Admin', 'Max Member', 'Mia']));
  });

  it('reports bad input by field and writes nothing', async () => {
    const before = (await gql(h.app, ORG_USERS, {}, orgA.adminToken)).data.organization.users.totalCount;
    await gql(h.app, CREATE_ORG_USER, { input: { email: 'dup@a.test', role: memberRole } }, orgA.adminToken);
    const res = await gql(h.app, CREATE_ORG_USER, { input: { email: 'not-an-email', role: customerRole } }, orgA.adminToken);
    expect(res.data.createOrganizationUser).toEqual({
      user: null,
      errors: [
        { field: 'email', messages: ['Must be an e-mail address.'] },
        { field: 'role', messages: ['Must be one of: admin, member.'] },
      ],
    });
    const duplicate = await gql(h.app, CREATE_ORG_USER, { input: { email: 'dup@a.test', role: memberRole } }, orgA.adminToken);
    expect(duplicate.data.createOrganizationUser.errors).toEqual([
      { field: 'email', messages: ['A user with this e-mail already exists in this organization.'] },
    ]);
    const users = await gql(h.app, ORG_USERS, {}, orgA.adminToken);
    expect(users.data.organization.users.totalCount).toBe(before + 1);
  });

  it('customer users are listed on their customer only', async () => {
    const created = await gql(
      h.app,
      CREATE_CUSTOMER_USER,
      { input: { customer: customerOfA, email: 'cy@one.test', name: 'Cy', role: customerRole } },
      orgA.adminToken,
    );
    expect(created.data.createCustomerUser).toMatchObject({ user: { name: 'Cy', customer: { id: customerOfA }, role: { name: 'Member' } }, errors: [] });
    expect((await gql(h.app, CUSTOMER_USERS, { id: customerOfA }, orgA.adminToken)).data.customer.users).toEqual({
      totalCount: 1,
      nodes: [{ name: 'Cy', email: 'cy@one.test' }],
    });
    expect((await gql(h.app, CUSTOMER_USERS, { id: otherCustomerOfA }, orgA.adminToken)).data.customer.users.totalCount).toBe(0);
    expect((await gql(h.app, ORG_USERS, {}, orgA.adminToken)).data.organization.users.nodes.map((u: { name: string }) => u.name)).not.toContain('Cy');
  });

  it('org members and customer members cannot create users; a customer admin only for its own customer; customer users cannot list the organization users', async () => {
    const byMember = await gql(h.app, CREATE_ORG_USER, { input: { email: 'x@a.test', role: memberRole } }, orgA.memberToken);
    expect(byMember.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const { token: customerMember } = await orgA.customerUser(idFrom(customerOfA), 'customer_member');
    const byCustomerMember = await gql(
      h.app,
      CREATE_CUSTOMER_USER,
      { input: { customer: customerOfA, email: 'y@a.test', role: customerRole } },
      customerMember,
    );
    expect(byCustomerMember.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const { token } = await orgA.customerUser(idFrom(customerOfA));
    const byCustomerAdmin = await gql(h.app, CREATE_CUSTOMER_USER, { input: { customer: customerOfA, email: 'y@a.test', role: customerRole } }, token);
    expect(byCustomerAdmin.data.createCustomerUser).toMatchObject({ user: { customer: { id: customerOfA }, role: { name: 'Member' } }, errors: [] });
    const forOtherCustomer = await gql(h.app, CREATE_CUSTOMER_USER, { input: { customer: otherCustomerOfA, email: 'z@a.test', role: customerRole } }, token);
    expect(forOtherCustomer.errors?.[0]?.message).toBe('Record not found');
    const orgUserByCustomerAdmin = await gql(h.app, CREATE_ORG_USER, { input: { email: 'z@a.test', role: memberRole } }, token);
    expect(orgUserByCustomerAdmin.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await gql(h.app, CUSTOMER_USERS, { id: otherCustomerOfA }, orgA.adminToken)).data.customer.users.nodes).not.toContainEqual(
      expect.objectContaining({ email: 'z@a.test' }),
    );
    const listing = await gql(h.app, ORG_USERS, {}, token);
    expect(listing.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const otherCustomer = await gql(h.app, CUSTOMER_USERS, { id: otherCustomerOfA }, token);
    expect(otherCustomer.errors?.[0]?.message).toBe('Record not found');
  });
});

function idFrom(globalId: string) {
  return Buffer.from(globalId, 'base64').toString('utf8').split(':')[1]!;
}

describe('invited users get a token from an admin (no e-mail)', () => {
  const TOKEN = `mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { result { token } errors { field messages } } }`;
  const ME = `{ authenticatedUser { email customer { id } } }`;

  it('an admin creates a token that acts as the new member or customer user, with their permissions', async () => {
    const member = await gql(h.app, CREATE_ORG_USER, { input: { email: 'noor@a.test', name: 'Noor', role: memberRole } }, orgA.adminToken);
    const issued = await gql(h.app, TOKEN, { input: { name: 'for Noor', user: member.data.createOrganizationUser.user.id } }, orgA.adminToken);
    const memberToken = issued.data.createApiToken.result.token as string;
    expect((await gql(h.app, ME, {}, memberToken)).data.authenticatedUser).toEqual({ email: 'noor@a.test', customer: null });
    const refused = await gql(h.app, CREATE_ORG_USER, { input: { email: 'x@a.test', name: 'X', role: memberRole } }, memberToken);
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    const buyer = await gql(
      h.app,
      CREATE_CUSTOMER_USER,
      { input: { customer: customerOfA, email: 'cara@a.test', name: 'Cara', role: customerRole } },
      orgA.adminToken,
    );
    const forBuyer = await gql(h.app, TOKEN, { input: { name: 'for Cara', user: buyer.data.createCustomerUser.user.id } }, orgA.adminToken);
    const buyerToken = forBuyer.data.createApiToken.result.token as string;
    expect((await gql(h.app, ME, {}, buyerToken)).data.authenticatedUser).toEqual({ email: 'cara@a.test', customer: { id: customerOfA } });
    expect((await gql(h.app, `query($id: ID!) { customer(id: $id) { name } }`, { id: otherCustomerOfA }, buyerToken)).data.customer).toBeNull();
  });

  it("members cannot issue tokens for others; another organization's user id is no user", async () => {
    const adminOfA = (await gql(h.app, `{ authenticatedUser { id } }`, {}, orgA.adminToken)).data.authenticatedUser.id;
    const byMember = await gql(h.app, TOKEN, { input: { name: 'steal', user: adminOfA } }, orgA.memberToken);
    expect(byMember.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const byOther = await gql(h.app, TOKEN, { input: { name: 'steal', user: adminOfA } }, orgB.adminToken);
    expect(byOther.data.createApiToken).toEqual({ result: null, errors: [{ field: 'user', messages: ['No user of this organization has this id.'] }] });
  });
});

describe("another organization's users and customers", () => {
  it('createCustomerUser for a foreign customer answers exactly like a missing one, and creates nothing', async () => {
    const input = { email: 'spy@b.test', role: customerRole };
    const foreign = await gql(h.app, CREATE_CUSTOMER_USER, { input: { ...input, customer: customerOfA } }, orgB.adminToken);
    const absent = await gql(h.app, CREATE_CUSTOMER_USER, { input: { ...input, customer: missingCustomer } }, orgB.adminToken);
    expect(foreign).toEqual(absent);
    expect(foreign.errors?.[0]?.message).toBe('Record not found');
    const users = await gql(h.app, CUSTOMER_USERS, { id: customerOfA }, orgA.adminToken);
    expect(users.data.customer.users.nodes.map((u: { email: string }) => u.email)).not.toContain('spy@b.test');
  });

  it("Customer.users and Organization.users never show another organization's users", async () => {
    const foreign = await gql(h.app, CUSTOMER_USERS, { id: customerOfA }, orgB.adminToken);
    expect(foreign.errors?.[0]?.message).toBe('Record not found');
    const own = await gql(h.app, ORG_USERS, {}, orgB.adminToken);
    expect(own.data.organization.users.nodes.map((u: { email: string }) => u.email)).not.toContain('mia@a.test');
  });

  it('the same e-mail can exist in another organization', async () => {
    await gql(h.app, CREATE_ORG_USER, { input: { email: 'same@both.test', role: memberRole } }, orgA.adminToken);
    const res = await gql(h.app, CREATE_ORG_USER, { input: { email: 'same@both.test', role: memberRole } }, orgB.adminToken);
    expect(res.data.createOrganizationUser.errors).toEqual([]);
  });
});

describe('what Prismatic clients send', () => {
  it('list inputs accept null items (dropped), empty cursors and empty ids mean none', async () => {
    const created = await gql(
      h.app,
      `mutation($labels: [String]) { createCustomer(input: { name: "Nullable Labels", labels: $labels, clientMutationId: "m1" }) { customer { labels } errors { field } clientMutationId } }`,
      { labels: ['gold', null, 'eu'] },
      orgA.adminToken,
    );
    expect(created.data.createCustomer).toEqual({ customer: { labels: ['gold', 'eu'] }, errors: [], clientMutationId: 'm1' });
    const page = await gql(h.app, `{ customers(after: "", before: "", name: "Nullable Labels") { totalCount } }`, {}, orgA.adminToken);
    expect(page.data.customers.totalCount).toBe(1);
    const imported = await gql(
      h.app,
      `mutation($d: String!) { importIntegration(input: { definition: $d, integrationId: "" }) { integration { name } errors { field messages } } }`,
      {
        d: 'name: Empty Id Import\nstableKey: empty-id-import\nflows:\n  - name: F\n    stableKey: f\n    trigger: { type: api }\n    steps:\n      - name: Call\n        action: { component: http, key: http-request }\n        inputs: { url: "https://example.invalid/x" }\n',
      },
      orgA.adminToken,
    );
    expect(imported.data.importIntegration).toEqual({ integration: { name: 'Empty Id Import' }, errors: [] });
  });

  it("components(filterQuery:) understands prism's key/label search and refuses other expressions by name", async () => {
    const query = `query($q: JSONString) { components(filterQuery: $q, allVersions: true) { nodes { key versionNumber } } }`;
    const found = await gql(h.app, query, { q: JSON.stringify(['or', ['in', 'key', ['zendesk']], ['in', 'label', ['HTTP']]]) }, orgA.memberToken);
    expect(found.data.components.nodes).toEqual([
      { key: 'http', versionNumber: 1 },
      { key: 'zendesk', versionNumber: 1 },
    ]);
    const searched = await gql(h.app, query, { q: JSON.stringify(['or', ['in', 'key', 'ENDES'], ['in', 'label', 'endes']]) }, orgA.memberToken);
    expect(searched.data.components.nodes).toEqual([{ key: 'zendesk', versionNumber: 1 }]);
    const refused = await gql(h.app, query, { q: JSON.stringify(['eq', 'key', 'x']) }, orgA.memberToken);
    expect(refused.errors?.[0]?.message).toContain('filterQuery');
  });

  it('logSeverityLevels lists the severities by rank', async () => {
    const res = await gql(h.app, '{ logSeverityLevels { id name } }', {}, orgA.memberToken);
    expect(res.data.logSeverityLevels).toEqual([
      { id: 1, name: 'DEBUG' },
      { id: 2, name: 'INFO' },
      { id: 3, name: 'WARN' },
      { id: 4, name: 'ERROR' },
    ]);
  });
});

describe('customer admins write, customer members only read', () => {
  const UPDATE_USER = `mutation($input: UpdateUserInput!) { updateUser(input: $input) { user { id name role { id name } } errors { field messages } } }`;
  const CUSTOMER_USER_IDS = `query($id: ID!) { customer(id: $id) { users { nodes { id name role { name } } } } }`;

  async function customerUserOf(customer: string, email: string, role: string) {
    const created = await gql(h.app, CREATE_CUSTOMER_USER, { input: { customer, email, name: email, role } }, orgA.adminToken);
    return created.data.createCustomerUser.user.id as string;
  }

  it('a customer member is refused the connector auth a customer admin of the same customer creates', async () => {
    const acme = await connectionId(h.app, orgA.adminToken, 'acme-api', 'api-key');
    const input = { connection: acme, name: 'Member try', inputs: [{ name: 'apiKey', type: 'value', value: 'k' }] };
    const { token: member } = await orgA.customerUser(idFrom(customerOfA), 'customer_member');
    const refused = await gql(h.app, CREATE_CONNECTOR_AUTH, { input }, member);
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const { token: admin } = await orgA.customerUser(idFrom(customerOfA));
    const created = await gql(h.app, CREATE_CONNECTOR_AUTH, { input: { ...input, name: 'Admin did' } }, admin);
    expect(created.data.createConnectorAuth.connectorAuth).toMatchObject({ name: 'Admin did', customer: { id: customerOfA } });
    const seen = await gql(h.app, `{ connectorAuths { nodes { name } } }`, {}, member);
    expect(seen.data.connectorAuths.nodes.map((a: { name: string }) => a.name)).toEqual(['Admin did']);
  });

  it('updateUser: a customer admin promotes a member of its own customer, who then may write', async () => {
    const userId = await customerUserOf(customerOfA, 'promoted@one.test', customerRole);
    const issued = await gql(
      h.app,
      `mutation($u: ID!) { createApiToken(input: { name: "promoted", user: $u }) { result { token } } }`,
      { u: userId },
      orgA.adminToken,
    );
    const promotedToken = issued.data.createApiToken.result.token as string;
    const acme = await connectionId(h.app, orgA.adminToken, 'acme-api', 'api-key');
    const write = { input: { connection: acme, name: 'By the promoted', inputs: [{ name: 'apiKey', type: 'value', value: 'k' }] } };
    expect((await gql(h.app, CREATE_CONNECTOR_AUTH, write, promotedToken)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const { token: admin } = await orgA.customerUser(idFrom(customerOfA));
    const res = await gql(h.app, UPDATE_USER, { input: { id: userId, role: customerAdminRole, name: 'Promoted' } }, admin);
    expect(res.data.updateUser).toEqual({ user: { id: userId, name: 'Promoted', role: { id: customerAdminRole, name: 'Admin' } }, errors: [] });
    const listed = await gql(h.app, CUSTOMER_USER_IDS, { id: customerOfA }, orgA.adminToken);
    expect(listed.data.customer.users.nodes).toContainEqual({ id: userId, name: 'Promoted', role: { name: 'Admin' } });
    const written = await gql(h.app, CREATE_CONNECTOR_AUTH, write, promotedToken);
    expect(written.data.createConnectorAuth.connectorAuth).toMatchObject({ name: 'By the promoted', customer: { id: customerOfA } });
  });

  it('updateUser refuses members, a role of the other kind, your own role, and users outside what the caller sees', async () => {
    const userId = await customerUserOf(customerOfA, 'steady@one.test', customerRole);
    const otherCustomersUser = await customerUserOf(otherCustomerOfA, 'other@two.test', customerRole);
    const orgMember = (await gql(h.app, CREATE_ORG_USER, { input: { email: 'orgm@a.test', role: memberRole } }, orgA.adminToken)).data.createOrganizationUser
      .user.id;
    const { token: customerMember } = await orgA.customerUser(idFrom(customerOfA), 'customer_member');
    const { token: customerAdmin } = await orgA.customerUser(idFrom(customerOfA));
    const promote = (id: string) => ({ input: { id, role: customerAdminRole } });

    expect((await gql(h.app, UPDATE_USER, promote(userId), customerMember)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await gql(h.app, UPDATE_USER, promote(userId), orgA.memberToken)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    // Another customer's user and the organization's own users do not exist for a customer admin.
    expect((await gql(h.app, UPDATE_USER, promote(otherCustomersUser), customerAdmin)).errors?.[0]?.message).toBe('Record not found');
    expect((await gql(h.app, UPDATE_USER, { input: { id: orgMember, role: encodeGlobalId('Role', 'admin') } }, customerAdmin)).errors?.[0]?.message).toBe(
      'Record not found',
    );
    // Another organization's admin: the same answer as for a user that does not exist.
    const foreign = await gql(h.app, UPDATE_USER, promote(userId), orgB.adminToken);
    const absent = await gql(h.app, UPDATE_USER, promote(encodeGlobalId('User', '00000000-0000-4000-8000-0000000000ee')), orgB.adminToken);
    expect(foreign).toEqual(absent);
    expect(foreign.errors?.[0]?.message).toBe('Record not found');

    const wrongKind = await gql(h.app, UPDATE_USER, { input: { id: userId, role: encodeGlobalId('Role', 'admin'), name: 'Renamed' } }, orgA.adminToken);
    expect(wrongKind.data.updateUser).toEqual({ user: null, errors: [{ field: 'role', messages: ['Must be one of: customer_admin, customer_member.'] }] });
    const me = (await gql(h.app, `{ authenticatedUser { id } }`, {}, orgA.adminToken)).data.authenticatedUser.id;
    const self = await gql(h.app, UPDATE_USER, { input: { id: me, role: memberRole } }, orgA.adminToken);
    expect(self.data.updateUser.errors).toEqual([{ field: 'role', messages: ['You cannot change your own role.'] }]);

    const listed = await gql(h.app, CUSTOMER_USER_IDS, { id: customerOfA }, orgA.adminToken);
    expect(listed.data.customer.users.nodes).toContainEqual({ id: userId, name: 'steady@one.test', role: { name: 'Member' } });
    const stillAdmin = await gql(h.app, ORG_USERS, {}, orgA.adminToken);
    expect(stillAdmin.data.organization.users.nodes).toContainEqual({ name: 'Ada Admin', email: expect.any(String), role: { name: 'Admin' } });
  });

  it('deleteUser: a customer admin removes a user of its own customer, whose token then stops working; refusals write nothing', async () => {
    const DELETE_USER = `mutation($input: DeleteUserInput!) { deleteUser(input: $input) { user { id } errors { field messages } } }`;
    const leaving = await customerUserOf(customerOfA, 'leaving@one.test', customerRole);
    const issued = await gql(
      h.app,
      `mutation($u: ID!) { createApiToken(input: { name: "leaving", user: $u }) { result { token } } }`,
      { u: leaving },
      orgA.adminToken,
    );
    const leavingToken = issued.data.createApiToken.result.token as string;
    const otherCustomersUser = await customerUserOf(otherCustomerOfA, 'stays@two.test', customerRole);
    const { token: customerMember } = await orgA.customerUser(idFrom(customerOfA), 'customer_member');
    const { token: customerAdmin } = await orgA.customerUser(idFrom(customerOfA));
    const remove = (id: string) => ({ input: { id } });

    expect((await gql(h.app, DELETE_USER, remove(leaving), customerMember)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await gql(h.app, DELETE_USER, remove(leaving), orgA.memberToken)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await gql(h.app, DELETE_USER, remove(otherCustomersUser), customerAdmin)).errors?.[0]?.message).toBe('Record not found');
    const foreign = await gql(h.app, DELETE_USER, remove(leaving), orgB.adminToken);
    const absent = await gql(h.app, DELETE_USER, remove(encodeGlobalId('User', '00000000-0000-4000-8000-0000000000ee')), orgB.adminToken);
    expect(foreign).toEqual(absent);
    const me = (await gql(h.app, `{ authenticatedUser { id } }`, {}, orgA.adminToken)).data.authenticatedUser.id;
    expect((await gql(h.app, DELETE_USER, remove(me), orgA.adminToken)).data.deleteUser.errors).toEqual([
      { field: 'id', messages: ['You cannot delete yourself.'] },
    ]);
    expect((await gql(h.app, `{ authenticatedUser { id } }`, {}, leavingToken)).data.authenticatedUser.id).toBe(leaving);

    const deleted = await gql(h.app, DELETE_USER, remove(leaving), customerAdmin);
    expect(deleted.data.deleteUser).toEqual({ user: { id: leaving }, errors: [] });
    const listed = await gql(h.app, CUSTOMER_USER_IDS, { id: customerOfA }, orgA.adminToken);
    expect(listed.data.customer.users.nodes.map((u: { id: string }) => u.id)).not.toContain(leaving);
    const others = await gql(h.app, CUSTOMER_USER_IDS, { id: otherCustomerOfA }, orgA.adminToken);
    expect(others.data.customer.users.nodes.map((u: { id: string }) => u.id)).toContain(otherCustomersUser);
    expect((await gql(h.app, `{ authenticatedUser { id } }`, {}, leavingToken)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('an organization admin changes an organization user to another organization role only', async () => {
    const id = (await gql(h.app, CREATE_ORG_USER, { input: { email: 'riser@a.test', role: memberRole } }, orgA.adminToken)).data.createOrganizationUser.user.id;
    const refused = await gql(h.app, UPDATE_USER, { input: { id, role: customerAdminRole } }, orgA.adminToken);
    expect(refused.data.updateUser.errors).toEqual([{ field: 'role', messages: ['Must be one of: admin, member.'] }]);
    const promoted = await gql(h.app, UPDATE_USER, { input: { id, role: encodeGlobalId('Role', 'admin') } }, orgA.adminToken);
    expect(promoted.data.updateUser.user.role).toEqual({ id: encodeGlobalId('Role', 'admin'), name: 'Admin' });
  });
});

describe('listUserTenants', () => {
  const TENANTS = `{ listUserTenants { nodes { tenantId url orgName awsRegion systemSuspended } } authenticatedUser { tenantId org { name } } }`;

  it("lists the caller's own organization on this deployment, for organization and customer users alike", async () => {
    const { token: customerMember } = await orgA.customerUser(idFrom(customerOfA), 'customer_member');
    for (const [token, org] of [
      [orgA.memberToken, orgA],
      [customerMember, orgA],
      [orgB.adminToken, orgB],
    ] as const) {
      const res = await gql(h.app, TENANTS, {}, token);
      const { tenantId, org: own } = res.data.authenticatedUser;
      expect(res.data.listUserTenants.nodes).toEqual([
        { tenantId, url: expect.stringMatching(/^https?:\/\//), orgName: own.name, awsRegion: null, systemSuspended: false },
      ]);
      expect(own.name).toBe((await gql(h.app, '{ organization { name } }', {}, org.adminToken)).data.organization.name);
    }
    expect((await gql(h.app, TENANTS, {}, orgA.adminToken)).data.listUserTenants.nodes[0].orgName).not.toBe(
      (await gql(h.app, TENANTS, {}, orgB.adminToken)).data.listUserTenants.nodes[0].orgName,
    );
  });

  it('needs a signed-in user', async () => {
    const res = await gql(h.app, '{ listUserTenants { nodes { orgName } } }', {});
    expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(res.data).toBeNull();
  });
});
