import { sql } from 'drizzle-orm';
import { index, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import type { FanOut } from '../../domain/integrations/definition';
import { orgIdColumn } from './columns';
import { instances, integrationVersions, integrations } from './integrations';

/**
 * Schedules as due work: one row per scheduled flow of an enabled, deployed instance, or per
 * scheduled fan-out flow of an integration (no instance). The scheduler reads only the rows whose
 * `next_run_at` has come (src/execution/schedules.ts); domain writes to instances keep the rows right
 * (src/domain/instances/schedules.ts), and deletes cascade.
 */
export const flowSchedules = pgTable(
  'flow_schedules',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: orgIdColumn(),
    integrationId: uuid('integration_id')
      .notNull()
      .references(() => integrations.id, { onDelete: 'cascade' }),
    /** Null for a fan-out flow: it fires once per tick for the integration, not per instance. */
    instanceId: uuid('instance_id').references(() => instances.id, { onDelete: 'cascade' }),
    /** The instance's customer (an instance never changes customer), so a tick needs no join. */
    customerId: uuid('customer_id'),
    /** The flow's fan-out settings, set exactly when there is no instance. */
    fanOut: jsonb('fan_out').$type<FanOut>(),
    /** The version whose flow fires; a redeploy moves it. */
    versionId: uuid('version_id')
      .notNull()
      .references(() => integrationVersions.id, { onDelete: 'cascade' }),
    flowStableKey: text('flow_stable_key').notNull(),
    cron: text('cron').notNull(),
    timeZone: text('time_zone').notNull(),
    nextRunAt: timestamp('next_run_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    index('flow_schedules_due').on(t.nextRunAt),
    uniqueIndex('flow_schedules_instance_flow')
      .on(t.instanceId, t.flowStableKey)
      .where(sql`${t.instanceId} is not null`),
    uniqueIndex('flow_schedules_fan_out_flow')
      .on(t.integrationId, t.flowStableKey)
      .where(sql`${t.instanceId} is null`),
  ],
);
