import { jsonb, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import type { ComponentDefinition } from '../../domain/components/types';
import { orgIdColumn, createdAtColumn, updatedAtColumn } from './columns';

/**
 * An organization's private components. Built-in components are not stored: they ship with the code
 * (domain/components/catalog) and every organization sees them.
 */
export const components = pgTable(
  'components',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: orgIdColumn(),
    key: text('key').notNull(),
    label: text('label').notNull(),
    /** The validated, normalised definition (`parseComponentDefinition`'s output), never the raw text. */
    definition: jsonb('definition').$type<ComponentDefinition>().notNull(),
    createdAt: createdAtColumn(),
    updatedAt: updatedAtColumn(),
  },
  (t) => [uniqueIndex('components_org_key').on(t.orgId, t.key)],
);
