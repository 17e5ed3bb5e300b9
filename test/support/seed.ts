import { randomUUID } from 'node:crypto';
import type { Db } from '../../src/db/client';
import { users } from '../../src/db/tables';
import type { Actor } from '../../src/domain/actor';
import { issueApiToken } from '../../src/domain/auth/api-tokens';
import { createCustomer } from '../../src/domain/customers/customers';
import { createOrganization } from '../../src/domain/organizations/organizations';

/** Customer admins (the default) write what customer users may write; customer members only read. */
type CustomerRole = 'customer_admin' | 'customer_member';

export type SeededOrg = {
  orgId: string;
  admin: Actor;
  adminToken: string;
  memberToken: string;
  /** Tokens of customer users, by customer name. */
  customerUser: (customerId: string, role?: CustomerRole) => Promise<{ actor: Actor; token: string }>;
};

/** A fresh organization with an admin and a member, each with a token; unique names so tests never collide. */
export async function seedOrg(db: Db, name = `org-${randomUUID().slice(0, 8)}`): Promise<SeededOrg> {
  const { org, admin } = await createOrganization(db, { name, adminName: 'Ada Admin', adminEmail: `admin@${name}.test` });
  const adminToken = (await issueApiToken(db, { orgId: org.id, userId: admin.userId, name: 'test' })).token;
  const [member] = await db
    .insert(users)
    .values({ orgId: org.id, role: 'member', name: 'Max Member', email: `member@${name}.test` })
    .returning();
  const memberToken = (await issueApiToken(db, { orgId: org.id, userId: member!.id, name: 'test' })).token;
  return {
    orgId: org.id,
    admin,
    adminToken,
    memberToken,
    async customerUser(customerId: string, role: CustomerRole = 'customer_admin') {
      const [user] = await db
        .insert(users)
        .values({ orgId: org.id, customerId, role, name: 'Cora Customer', email: `cora-${randomUUID()}@customer.test` })
        .returning();
      const actor: Actor = { orgId: org.id, userId: user!.id, role, customerId };
      return { actor, token: (await issueApiToken(db, { orgId: org.id, userId: user!.id, name: 'test' })).token };
    },
  };
}

export async function seedCustomer(db: Db, admin: Actor, fields: { name?: string; externalId?: string } = {}) {
  return createCustomer(db, admin, { name: fields.name ?? `Customer ${randomUUID().slice(0, 8)}`, externalId: fields.externalId });
}
