import { jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import type { ComponentDefinition } from '../../domain/components/types';
import { organizations } from './organizations';

/**
 * An organization's private components. Built-in components are not stored: they ship with the code
 * (domain/components/catalog) and every organization sees them.
 */
export const components = pgTable(
  'components',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    key: text('key').notNull(),
    label: text('label').notNull(),
    /** The validated, normalised definition (`parseComponentDefinition`'s output), never the raw text. */
    definition: jsonb('definition').$type<ComponentDefinition>().notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('components_org_key').on(t.orgId, t.key)],
);
