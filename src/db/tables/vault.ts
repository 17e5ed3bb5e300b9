import { sql } from 'drizzle-orm';
import { integer, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { orgIdColumn, createdAtColumn } from './columns';
import { customers } from './customers';

/**
 * Data keys encrypt credential values; each is stored wrapped by the master key. One per organization
 * (customer_id null) and one per customer: deleting a customer deletes its key, and with it every way to
 * read that customer's values, including copies in backups.
 */
export const dataKeys = pgTable(
  'data_keys',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: orgIdColumn(),
    customerId: uuid('customer_id').references(() => customers.id, { onDelete: 'cascade' }),
    wrappedKey: text('wrapped_key').notNull(),
    /** Fingerprint of the master key that wrapped it, so a rotation knows what is left to re-wrap. */
    masterKeyId: text('master_key_id').notNull(),
    createdAt: createdAtColumn(),
  },
  // Two partial indexes rather than NULLS NOT DISTINCT, which needs PostgreSQL 15.
  (t) => [
    uniqueIndex('data_keys_org_key')
      .on(t.orgId)
      .where(sql`${t.customerId} is null`),
    uniqueIndex('data_keys_customer_key')
      .on(t.orgId, t.customerId)
      .where(sql`${t.customerId} is not null`),
  ],
);

/** One row: the fingerprint of the master key this database's data keys are wrapped with. */
export const vaultMeta = pgTable('vault_meta', {
  id: integer('id').primaryKey().default(1),
  masterKeyId: text('master_key_id').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true })
    .notNull()
    .default(sql`now()`),
});
