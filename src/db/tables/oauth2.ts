import { index, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import type { SealedValue } from '../../vault/vault';
import { createdAtColumn, orgIdColumn, updatedAtColumn } from './columns';
import { customers } from './customers';

/** Who holds an OAuth2 authorization-code credential. */
export type OAuth2HolderKind = 'CUSTOMER_CONFIG_VARIABLE' | 'CONNECTOR_AUTH' | 'INSTANCE_CONFIG_VARIABLE' | 'USER_AUTHENTICATION';

export type OAuth2AuthStatus = 'ACTIVE' | 'REFRESH_FAILING' | 'NEEDS_REAUTHENTICATION' | 'MISCONFIGURED';

/**
 * The tokens of one credential holder. `holder_id` is the credential id the engine records on step results
 * (a customer config variable's, connector auth's or user authentication's uuid; `<instance uuid>/<config var key>` for an
 * instance's inline connection), so the run
 * finds its tokens by the credential it chose. Tokens are vault values (per-customer data key when there
 * is a customer); the row is locked while a refresh runs, which makes refresh single-flight across processes.
 */
export const oauth2Tokens = pgTable(
  'oauth2_tokens',
  {
    holderId: text('holder_id').primaryKey(),
    holderKind: text('holder_kind').$type<OAuth2HolderKind>().notNull(),
    orgId: orgIdColumn(),
    customerId: uuid('customer_id').references(() => customers.id, { onDelete: 'cascade' }),
    accessToken: jsonb('access_token').$type<SealedValue>(),
    refreshToken: jsonb('refresh_token').$type<SealedValue>(),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    scopes: text('scopes').array().notNull().default([]),
    authStatus: text('auth_status').$type<OAuth2AuthStatus>().notNull().default('ACTIVE'),
    lastRefreshedAt: timestamp('last_refreshed_at', { withTimezone: true }),
    lastRefreshError: text('last_refresh_error'),
    refreshFailures: integer('refresh_failures').notNull().default(0),
    /** While set and in the future, one process is refreshing: others wait and re-read instead of asking too. */
    refreshClaimedUntil: timestamp('refresh_claimed_until', { withTimezone: true }),
    /** After a transient failure: no refresh before this (exponential backoff, capped). */
    nextRefreshAt: timestamp('next_refresh_at', { withTimezone: true }),
    /** MISCONFIGURED: a fingerprint of the client inputs that failed; other inputs may try again. */
    failedClientFingerprint: text('failed_client_fingerprint'),
    createdAt: createdAtColumn(),
    updatedAt: updatedAtColumn(),
  },
  (t) => [index('oauth2_tokens_org_status_idx').on(t.orgId, t.authStatus), index('oauth2_tokens_expiry_idx').on(t.expiresAt)],
);

/**
 * The OAuth 2.0 `state`s a callback has used, as their SHA-256, so each works once. A state is a sealed
 * token (nothing is stored when one is handed out); its row is needed only until the state expires.
 */
export const oauth2ConsumedStates = pgTable(
  'oauth2_consumed_states',
  {
    stateHash: text('state_hash').primaryKey(),
    orgId: orgIdColumn(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    createdAt: createdAtColumn(),
  },
  (t) => [index('oauth2_consumed_states_expiry_idx').on(t.expiresAt)],
);
