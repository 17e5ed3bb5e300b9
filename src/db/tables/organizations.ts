import { boolean, index, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

export const organizations = pgTable('organizations', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  // OAuth 2.0: where the callback may send the browser back to (scheme://host[:port]).
  allowedRedirectOrigins: text('allowed_redirect_origins').array().notNull().default([]),
});

/** Public keys that verify embedded users' JWTs; the private key of a generated pair is never stored. */
export const signingKeys = pgTable(
  'signing_keys',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    publicKey: text('public_key').notNull(),
    privateKeyPreview: text('private_key_preview'),
    imported: boolean('imported').notNull(),
    issuedAt: timestamp('issued_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('signing_keys_org_idx').on(t.orgId)],
);
