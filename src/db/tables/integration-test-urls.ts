import { jsonb, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import type { SealedValue } from '../../vault/vault';
import { createdAtColumn, orgIdColumn } from './columns';
import { integrations } from './integrations';

/**
 * One row per flow of an integration whose test URL was shown before `IntegrationFlow.testUrl` became the
 * test (system) instance's webhook URL: the token that earlier URL carries, so URLs users saved keep working
 * (/test-webhooks/<token>). No rows are added any more. Like an instance flow config's webhook token it is
 * looked up by its SHA-256 hash and was kept sealed for showing the URL again.
 */
export const integrationFlowTestTokens = pgTable(
  'integration_flow_test_tokens',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: orgIdColumn(),
    integrationId: uuid('integration_id')
      .notNull()
      .references(() => integrations.id, { onDelete: 'cascade' }),
    flowStableKey: text('flow_stable_key').notNull(),
    tokenHash: text('token_hash').notNull(),
    tokenSealed: jsonb('token_sealed').$type<SealedValue>().notNull(),
    createdAt: createdAtColumn(),
  },
  (t) => [
    uniqueIndex('integration_flow_test_tokens_hash').on(t.tokenHash),
    uniqueIndex('integration_flow_test_tokens_flow').on(t.integrationId, t.flowStableKey),
  ],
);
