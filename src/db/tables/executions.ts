import { sql } from 'drizzle-orm';
import { boolean, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid, type AnyPgColumn } from 'drizzle-orm/pg-core';
import type { FanOut } from '../../domain/integrations/definition';
import { orgIdColumn, createdAtColumn } from './columns';
import { customers } from './customers';
import { instances, integrationVersions, integrations } from './integrations';
import { users } from './users';

export type ExecutionStatus = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'AUTHENTICATION_NEEDED';
export type InvokeType = 'WEBHOOK' | 'SCHEDULED' | 'API' | 'INTEGRATION_FLOW_TEST';
export type TriggerPayload = { body: unknown; query: Record<string, string>; headers: Record<string, string> };

/**
 * One run of one flow. The state machine lives here, not in the job queue: a job only says "advance
 * execution X"; whoever holds the lease (lease_until in the future) runs it.
 */
export const executions = pgTable(
  'executions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: orgIdColumn(),
    integrationId: uuid('integration_id')
      .notNull()
      .references(() => integrations.id, { onDelete: 'cascade' }),
    /** The definition that runs: a published version for instances; null for test runs of the draft. */
    versionId: uuid('version_id').references(() => integrationVersions.id, { onDelete: 'set null' }),
    /** null for designer test runs, which use test credentials. */
    instanceId: uuid('instance_id').references(() => instances.id, { onDelete: 'cascade' }),
    customerId: uuid('customer_id').references(() => customers.id, { onDelete: 'cascade' }),
    actingUserId: uuid('acting_user_id').references(() => users.id, { onDelete: 'set null' }),
    flowStableKey: text('flow_stable_key').notNull(),
    invokeType: text('invoke_type').$type<InvokeType>().notNull(),
    status: text('status').$type<ExecutionStatus>().notNull().default('QUEUED'),
    trigger: jsonb('trigger').$type<TriggerPayload>().notNull(),
    /** For a scheduled run: the tick it belongs to, unique per flow so each tick fires once across processes. */
    scheduledFor: timestamp('scheduled_for', { withTimezone: true }),
    result: jsonb('result'),
    error: text('error'),
    claims: integer('claims').notNull().default(0),
    leaseOwner: text('lease_owner'),
    leaseUntil: timestamp('lease_until', { withTimezone: true }),
    createdAt: createdAtColumn(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    endedAt: timestamp('ended_at', { withTimezone: true }),
    // Fan-out (src/execution/README.md "Fan-out"). A parent has `fanOut` and no instance; its children
    // have `parentExecutionId` and get a job only when dispatched (`dispatchedAt`), within the parent's limit.
    fanOut: jsonb('fan_out').$type<FanOut>(),
    parentExecutionId: uuid('parent_execution_id').references((): AnyPgColumn => executions.id, { onDelete: 'cascade' }),
    dispatchedAt: timestamp('dispatched_at', { withTimezone: true }),
    // User authentications: a run started by someone present (a UI) pauses for them instead of
    // applying the connection's non-interactive policy. While AUTHENTICATION_NEEDED, the user and connection
    // it waits for (user_authentications.connection_ref) and when it gives up.
    interactive: boolean('interactive').notNull().default(false),
    waitingUserId: uuid('waiting_user_id').references(() => users.id, { onDelete: 'set null' }),
    waitingConnectionRef: text('waiting_connection_ref'),
    waitingUntil: timestamp('waiting_until', { withTimezone: true }),
    // Replays: the run this one replays, with the same trigger payload, version and instance.
    replayOfExecutionId: uuid('replay_of_execution_id').references((): AnyPgColumn => executions.id, { onDelete: 'set null' }),
  },
  (t) => [
    index('executions_org_started_idx').on(t.orgId, t.createdAt),
    index('executions_instance_idx').on(t.instanceId),
    index('executions_replay_of_idx').on(t.replayOfExecutionId),
    // Deleting a customer, an integration or a version cascades or sets null here; without these
    // indexes each such delete scans every execution.
    index('executions_customer_idx').on(t.customerId),
    index('executions_integration_idx').on(t.integrationId),
    index('executions_version_idx').on(t.versionId),
    index('executions_lease_idx').on(t.status, t.leaseUntil),
    uniqueIndex('executions_schedule_tick')
      .on(t.instanceId, t.flowStableKey, t.scheduledFor)
      .where(sql`${t.scheduledFor} is not null`),
    // Fan-out: one child per (parent, instance) however often the parent resumes; one parent per integration tick.
    uniqueIndex('executions_fan_out_child')
      .on(t.parentExecutionId, t.instanceId)
      .where(sql`${t.parentExecutionId} is not null`),
    // What a fan-out's progress reads at every child's end: only its unfinished children, the dispatched
    // ones (at most maxConcurrency) apart from the undispatched ones, in dispatch order.
    index('executions_fan_out_pending')
      .on(t.parentExecutionId, t.dispatchedAt, t.instanceId)
      .where(sql`${t.parentExecutionId} is not null and ${t.status} in ('QUEUED', 'RUNNING', 'AUTHENTICATION_NEEDED')`),
    index('executions_waiting_authentication')
      .on(t.waitingUserId, t.waitingConnectionRef)
      .where(sql`${t.status} = 'AUTHENTICATION_NEEDED'`),
    uniqueIndex('executions_fan_out_tick')
      .on(t.integrationId, t.flowStableKey, t.scheduledFor)
      .where(sql`${t.fanOut} is not null and ${t.scheduledFor} is not null`),
  ],
);

export type StepStatus = 'SUCCEEDED' | 'FAILED' | 'SKIPPED';

export type StepErrorKind = 'AUTH_NEEDS_REAUTHENTICATION' | 'AUTH_TRANSIENT' | 'AUTH_MISCONFIGURED';

/**
 * One finished step (one iteration of it inside loops). Unique per (execution, step, iteration): a step
 * re-run after a crash finds its result here and is not run again.
 */
export const stepResults = pgTable(
  'step_results',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: orgIdColumn(),
    executionId: uuid('execution_id')
      .notNull()
      .references(() => executions.id, { onDelete: 'cascade' }),
    stepName: text('step_name').notNull(),
    iteration: text('iteration').notNull().default(''),
    status: text('status').$type<StepStatus>().notNull(),
    attempts: integer('attempts').notNull().default(1),
    output: jsonb('output'),
    error: text('error'),
    /** Why a failed step failed, when a flow can act on it (the credential's refresh state). */
    errorKind: text('error_kind').$type<StepErrorKind>(),
    credentialSource: text('credential_source'),
    credentialId: text('credential_id'),
    credentialRule: integer('credential_rule'),
    credentialReason: text('credential_reason'),
    warnings: jsonb('warnings')
      .$type<string[]>()
      .notNull()
      .default(sql`'[]'::jsonb`),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
    endedAt: timestamp('ended_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('step_results_step').on(t.executionId, t.stepName, t.iteration)],
);

export type LogSeverity = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

/** The run log a customer-facing UI shows (distinct from the operator log, which goes to stdout). */
export const executionLogs = pgTable(
  'execution_logs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: orgIdColumn(),
    executionId: uuid('execution_id')
      .notNull()
      .references(() => executions.id, { onDelete: 'cascade' }),
    severity: text('severity').$type<LogSeverity>().notNull(),
    message: text('message').notNull(),
    stepName: text('step_name'),
    timestamp: timestamp('timestamp', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('execution_logs_execution_idx').on(t.executionId, t.timestamp)],
);
