import { primaryKey, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { executions } from './executions';

/**
 * Per-host request slots of one fan-out (`maxConcurrencyPerHost`): a request of a child holds one slot of
 * (parent, host) while it is in flight. Rows are leases, not locks: a worker that dies mid-request leaves
 * its slot until `heldUntil`, so the limit holds across processes and a crash costs at most one timeout.
 */
export const fanOutHostSlots = pgTable(
  'fan_out_host_slots',
  {
    parentExecutionId: uuid('parent_execution_id')
      .notNull()
      .references(() => executions.id, { onDelete: 'cascade' }),
    host: text('host').notNull(),
    slot: integer('slot').notNull(),
    holder: text('holder').notNull(),
    heldUntil: timestamp('held_until', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.parentExecutionId, t.host, t.slot] })],
);
