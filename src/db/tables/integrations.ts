import { sql } from 'drizzle-orm';
import { boolean, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import type { SealedValue } from '../../vault/vault';
import type { IntegrationDefinition } from '../../domain/integrations/definition';
import type { ScheduleSettings } from '../../domain/instances/schedule-settings';
import { orgIdColumn, createdAtColumn, updatedAtColumn } from './columns';
import type { SealedInputs } from './connections';
import { customers } from './customers';
import { users } from './users';

/** An integration: its current (draft) definition; published versions are frozen copies in integration_versions. */
export const integrations = pgTable(
  'integrations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: orgIdColumn(),
    name: text('name').notNull(),
    description: text('description'),
    stableKey: text('stable_key'),
    definition: jsonb('definition').$type<IntegrationDefinition>().notNull(),
    /** Highest published version number; 0 until the first publish. */
    versionNumber: integer('version_number').notNull().default(0),
    /** Prismatic clients' integration avatar (updateIntegration avatarUrl), shown as given; not part of the definition. */
    avatarUrl: text('avatar_url'),
    /**
     * Prismatic's customer-specific integration: built for (or by) this one customer, and only instantiable for
     * it. Null: the organization's own. Deleting the customer deletes it: its only instances are that
     * customer's (which go with the customer anyway), so nothing of anyone else depends on it.
     */
    customerId: uuid('customer_id').references(() => customers.id, { onDelete: 'cascade' }),
    createdAt: createdAtColumn(),
    updatedAt: updatedAtColumn(),
  },
  (t) => [
    uniqueIndex('integrations_org_stable_key')
      .on(t.orgId, t.stableKey)
      .where(sql`${t.stableKey} is not null`),
    index('integrations_customer_idx')
      .on(t.customerId)
      .where(sql`${t.customerId} is not null`),
  ],
);

export const integrationVersions = pgTable(
  'integration_versions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: orgIdColumn(),
    integrationId: uuid('integration_id')
      .notNull()
      .references(() => integrations.id, { onDelete: 'cascade' }),
    versionNumber: integer('version_number').notNull(),
    definition: jsonb('definition').$type<IntegrationDefinition>().notNull(),
    comment: text('comment'),
    publishedBy: uuid('published_by').references(() => users.id, { onDelete: 'set null' }),
    publishedAt: timestamp('published_at', { withTimezone: true }).notNull().defaultNow(),
    /** What the publisher said about the version's source (prism sends commit and repository URLs), kept as sent. */
    attributes: jsonb('attributes').$type<Record<string, unknown>>(),
    /** An unavailable version stays on the instances that run it, but no instance is newly deployed to it. */
    isAvailable: boolean('is_available').notNull().default(true),
  },
  (t) => [uniqueIndex('integration_versions_number').on(t.integrationId, t.versionNumber)],
);

/**
 * How an instance fills a config variable: a plain value, a reference to a reusable connection (resolved by
 * its stable key when the instance runs), or inline connection values sealed with the customer's data key.
 * A schedule's value may carry the instance's own schedule type and time zone (values stored before they
 * existed have neither: the definition's zone applies).
 */
export type ConfigVariableValue =
  ({ kind: 'value'; value: string } & ScheduleSettings) | { kind: 'scoped'; stableKey: string } | { kind: 'inline'; values: SealedInputs };

export const instances = pgTable(
  'instances',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: orgIdColumn(),
    integrationId: uuid('integration_id')
      .notNull()
      .references(() => integrations.id, { onDelete: 'cascade' }),
    customerId: uuid('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    description: text('description'),
    labels: text('labels')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    enabled: boolean('enabled').notNull().default(true),
    /** The published version that runs; null until the first deploy. */
    deployedVersionId: uuid('deployed_version_id').references(() => integrationVersions.id, { onDelete: 'set null' }),
    /**
     * The published version the next deploy installs, chosen with updateInstance(integration:); null: the
     * latest available one. It also is the version config variables are checked against.
     */
    targetVersionId: uuid('target_version_id').references(() => integrationVersions.id, { onDelete: 'set null' }),
    configValues: jsonb('config_values')
      .$type<Record<string, ConfigVariableValue>>()
      .notNull()
      .default(sql`'{}'::jsonb`),
    lastDeployedAt: timestamp('last_deployed_at', { withTimezone: true }),
    lastExecutedAt: timestamp('last_executed_at', { withTimezone: true }),
    /**
     * The integration's test instance (Prismatic's system instance), of the organization's system customer:
     * it is configured against the draft, and designer test runs take its values. Never deployed or listed.
     */
    isSystem: boolean('is_system').notNull().default(false),
    createdAt: createdAtColumn(),
    updatedAt: updatedAtColumn(),
  },
  (t) => [
    index('instances_org_customer_idx').on(t.orgId, t.customerId),
    index('instances_integration_idx').on(t.integrationId),
    uniqueIndex('instances_integration_system_key')
      .on(t.integrationId)
      .where(sql`${t.isSystem}`),
  ],
);

/**
 * One row per flow of an instance: the unguessable token in its webhook URL. Like API tokens, the token is
 * looked up by its SHA-256 hash; unlike them it is also kept sealed in the vault, because Prismatic's API
 * (and so every client reading `flowConfigs { webhookUrl }`) shows the URL on every read, not only once.
 */
export const instanceFlowConfigs = pgTable(
  'instance_flow_configs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: orgIdColumn(),
    instanceId: uuid('instance_id')
      .notNull()
      .references(() => instances.id, { onDelete: 'cascade' }),
    flowStableKey: text('flow_stable_key').notNull(),
    webhookTokenHash: text('webhook_token_hash').notNull(),
    /** Null only for a token from before hashing until the next start seals it (and empties `legacyWebhookToken`). */
    webhookTokenSealed: jsonb('webhook_token_sealed').$type<SealedValue>(),
    /** Plain-text tokens written before tokens were hashed; moved into the vault at start, then null. */
    legacyWebhookToken: text('webhook_token'),
    /** When set, calls must carry an `X-Signature` made with this secret (see src/http/webhooks/signature.ts). */
    signatureSecret: jsonb('signature_secret').$type<SealedValue>(),
    createdAt: createdAtColumn(),
  },
  (t) => [uniqueIndex('instance_flow_configs_token_hash').on(t.webhookTokenHash), uniqueIndex('instance_flow_configs_flow').on(t.instanceId, t.flowStableKey)],
);

/**
 * Signatures already accepted, kept for the timestamp window, so a captured signed call cannot be sent again
 * (in any process) while its timestamp would still pass.
 */
export const webhookSignatureUses = pgTable(
  'webhook_signature_uses',
  {
    flowConfigId: uuid('flow_config_id')
      .notNull()
      .references(() => instanceFlowConfigs.id, { onDelete: 'cascade' }),
    signature: text('signature').notNull(),
    keepUntil: timestamp('keep_until', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.flowConfigId, t.signature] }), index('webhook_signature_uses_expiry').on(t.flowConfigId, t.keepUntil)],
);
