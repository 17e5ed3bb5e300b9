import { randomUUID } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customers, users } from '../../src/db/tables';
import { encodeGlobalId } from '../../src/lib/global-id';
import { embeddedJwtSigner } from '../support/embedded-jwt';
import { createHarness, gql, type Harness } from '../support/harness';
import { seedCustomer, seedOrg, type SeededOrg } from '../support/seed';

// The embedded JWT's `role` claim (Prismatic: admin | user) decides the customer user's role on each sign-in.

let h: Harness;
let org: SeededOrg;
let sign: (claims: Record<string, unknown>) => Promise<string>;
let customerExternalId: string;
let customerId: string;

const ME = `{ authenticatedUser { role { id } customer { externalId } } }`;
const CREATE_USER = `mutation($input: CreateCustomerUserInput!) { createCustomerUser(input: $input) { user { email } errors { field messages } } }`;

beforeAll(async () => {
  h = createHarness();
  org = await seedOrg(h.database.db);
  sign = await embeddedJwtSigner(h.app, org.adminToken);
  customerExternalId = `acme-${randomUUID().slice(0, 6)}`;
  customerId = (await seedCustomer(h.database.db, org.admin, { externalId: customerExternalId })).id;
});
afterAll(() => h.close());

const claims = (sub: string, extra: Record<string, unknown> = {}) => ({
  sub,
  organization: encodeGlobalId('Organization', org.orgId),
  customer: customerExternalId,
  ...extra,
});
const authenticate = (jwt: string) => h.app.fetch('http://127.0.0.1/embedded/authenticate', { method: 'POST', headers: { authorization: `Bearer ${jwt}` } });
const addUser = (jwt: string) =>
  gql(
    h.app,
    CREATE_USER,
    {
      input: {
        customer: encodeGlobalId('Customer', customerId),
        email: `${randomUUID().slice(0, 8)}@acme.test`,
        role: encodeGlobalId('Role', 'customer_member'),
      },
    },
    jwt,
  );
const roleOf = async (sub: string) =>
  (
    await h.database.db
      .select({ role: users.role })
      .from(users)
      .where(and(eq(users.customerId, customerId), eq(users.externalId, sub)))
  )[0]?.role;

describe('embedded JWT role claim', () => {
  it('makes "user" a customer member (reads, cannot add users) and "admin" a customer admin; the next token can change it', async () => {
    const sub = `u-${randomUUID()}`;
    const asUser = await sign(claims(sub, { role: 'user' }));
    expect((await authenticate(asUser)).status).toBe(200);
    expect((await gql(h.app, ME, {}, asUser)).data.authenticatedUser).toEqual({
      role: { id: encodeGlobalId('Role', 'customer_member') },
      customer: { externalId: customerExternalId },
    });
    expect((await addUser(asUser)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    const asAdmin = await sign(claims(sub, { role: 'admin' }));
    expect((await authenticate(asAdmin)).status).toBe(200);
    expect(await roleOf(sub)).toBe('customer_admin');
    expect((await addUser(asAdmin)).data.createCustomerUser.errors).toEqual([]);

    // Demoted by the vendor's next token: the admin token of before no longer decides.
    expect((await gql(h.app, ME, {}, await sign(claims(sub, { role: 'member' })))).data.authenticatedUser.role.id).toBe(
      encodeGlobalId('Role', 'customer_member'),
    );
    expect(await roleOf(sub)).toBe('customer_member');
  });

  it('keeps an embedded user without the claim a customer admin', async () => {
    const sub = `u-${randomUUID()}`;
    expect((await authenticate(await sign(claims(sub)))).status).toBe(200);
    expect(await roleOf(sub)).toBe('customer_admin');
  });

  it('refuses another role with 401 naming the claim, creating neither customer nor user', async () => {
    const newCustomer = `new-${randomUUID().slice(0, 6)}`;
    for (const role of ['owner', 'customer_admin', 3]) {
      const sub = `u-${randomUUID()}`;
      const res = await authenticate(await sign({ ...claims(sub, { role }), customer: newCustomer, customer_name: 'Brand New' }));
      expect(res.status).toBe(401);
      expect(JSON.stringify(await res.json())).toContain('role claim: must be \\"admin\\" or \\"user\\" (or \\"member\\").');
      expect(await roleOf(sub)).toBeUndefined();
    }
    const created = await h.database.db
      .select({ n: sql<number>`count(*)::int` })
      .from(customers)
      .where(and(eq(customers.orgId, org.orgId), eq(customers.externalId, newCustomer)));
    expect(created[0]!.n).toBe(0);
  });
});
