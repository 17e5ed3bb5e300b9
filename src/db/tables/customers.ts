import { sql } from 'drizzle-orm';
import { boolean, integer, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { orgIdColumn, createdAtColumn, updatedAtColumn } from './columns';

export const customers = pgTable(
  'customers',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: orgIdColumn(),
    name: text('name').notNull(),
    externalId: text('external_id'),
    description: text('description'),
    labels: text('labels')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    allowEmbeddedDesigner: boolean('allow_embedded_designer').notNull().default(false),
    concurrentExecutionLimit: integer('concurrent_execution_limit'),
    /**
     * The organization's one system customer: it owns the test (system) instance of each integration, so
     * designer test runs have an instance to configure. Lists, sync and every mutation leave it out.
     */
    isSystem: boolean('is_system').notNull().default(false),
    createdAt: createdAtColumn(),
    updatedAt: updatedAtColumn(),
  },
  (t) => [
    uniqueIndex('customers_org_name_key')
      .on(t.orgId, t.name)
      .where(sql`not ${t.isSystem}`),
    uniqueIndex('customers_org_system_key')
      .on(t.orgId)
      .where(sql`${t.isSystem}`),
    uniqueIndex('customers_org_external_id_key')
      .on(t.orgId, t.externalId)
      .where(sql`${t.externalId} is not null`),
  ],
);
