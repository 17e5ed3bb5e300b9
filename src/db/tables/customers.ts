import { sql } from 'drizzle-orm';
import { boolean, integer, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { organizations } from './organizations';

export const customers = pgTable(
  'customers',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    externalId: text('external_id'),
    description: text('description'),
    labels: text('labels').array().notNull().default(sql`'{}'::text[]`),
    allowEmbeddedDesigner: boolean('allow_embedded_designer').notNull().default(false),
    concurrentExecutionLimit: integer('concurrent_execution_limit'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('customers_org_name_key').on(t.orgId, t.name),
    uniqueIndex('customers_org_external_id_key').on(t.orgId, t.externalId).where(sql`${t.externalId} is not null`),
  ],
);
