import { timestamp, uuid } from 'drizzle-orm/pg-core';
import { organizations } from './organizations';

/** The owning organization: every tenant table has it, and deleting the organization deletes the rows. */
export const orgIdColumn = () =>
  uuid('org_id')
    .notNull()
    .references(() => organizations.id, { onDelete: 'cascade' });

export const createdAtColumn = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
export const updatedAtColumn = () => timestamp('updated_at', { withTimezone: true }).notNull().defaultNow();
