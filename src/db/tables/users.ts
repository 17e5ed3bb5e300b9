import { sql } from 'drizzle-orm';
import { check, index, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { orgIdColumn, createdAtColumn } from './columns';
import { customers } from './customers';

/** admin/member belong to the organization itself; customer_admin/customer_member to one customer. */
export type UserRole = 'admin' | 'member' | 'customer_admin' | 'customer_member';

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: orgIdColumn(),
    /** Set for customer users (including embedded users); null for the organization's own users. */
    customerId: uuid('customer_id').references(() => customers.id, { onDelete: 'cascade' }),
    role: text('role').$type<UserRole>().notNull(),
    name: text('name').notNull(),
    email: text('email'),
    /** The `sub` claim of an embedded user's JWT. */
    externalId: text('external_id'),
    createdAt: createdAtColumn(),
  },
  (t) => [
    uniqueIndex('users_org_email_key')
      .on(t.orgId, t.email)
      .where(sql`${t.email} is not null`),
    uniqueIndex('users_customer_external_id_key')
      .on(t.customerId, t.externalId)
      .where(sql`${t.externalId} is not null`),
    index('users_org_idx').on(t.orgId),
    // A role decides what a user sees, so an organization role on a customer's user (or the reverse) would leak.
    check(
      'users_role_matches_customer',
      sql`case when ${t.customerId} is null then ${t.role} in ('admin', 'member') else ${t.role} in ('customer_admin', 'customer_member') end`,
    ),
  ],
);

/** API tokens are shown once; only their SHA-256 is stored, so a database leak does not leak tokens. */
export const apiTokens = pgTable(
  'api_tokens',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: orgIdColumn(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    tokenHash: text('token_hash').notNull().unique('api_tokens_token_hash_key'),
    createdAt: createdAtColumn(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [index('api_tokens_org_idx').on(t.orgId)],
);
