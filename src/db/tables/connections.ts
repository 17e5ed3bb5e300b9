import { sql } from 'drizzle-orm';
import { boolean, index, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import type { UserAuthenticationSettings } from '../../domain/user-authentications/settings';
import type { SealedValue } from '../../vault/vault';
import { orgIdColumn, createdAtColumn, updatedAtColumn } from './columns';
import { customers } from './customers';

export type VariableScope = 'customer' | 'org';
export type ManagedBy = 'org' | 'customer';
export type InputScope = 'org' | 'customer';
/** Every stored input value is sealed by the vault, secret or not; the input type decides what is shown. */
export type SealedInputs = Record<string, SealedValue>;

/**
 * An organization-level reusable connection (Prismatic's ScopedConfigVariable), matched across tenants by
 * its stable key. Which inputs are global (set once, here) and which are per customer is fixed at creation.
 */
export const scopedConfigVariables = pgTable(
  'scoped_config_variables',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: orgIdColumn(),
    key: text('key').notNull(),
    stableKey: text('stable_key').notNull(),
    description: text('description'),
    variableScope: text('variable_scope').$type<VariableScope>().notNull(),
    managedBy: text('managed_by').$type<ManagedBy>().notNull(),
    componentKey: text('component_key').notNull(),
    connectionKey: text('connection_key').notNull(),
    /** Set when a customer-activated connection belongs to one customer only. */
    customerId: uuid('customer_id').references(() => customers.id, { onDelete: 'cascade' }),
    inputScopes: jsonb('input_scopes').$type<Record<string, InputScope>>().notNull(),
    globalValues: jsonb('global_values').$type<SealedInputs>().notNull(),
    defaultForComponent: boolean('default_for_component').notNull().default(false),
    /** Seed 002: steps run with the acting user's own authentication; null is off. */
    userAuthentication: jsonb('user_authentication').$type<UserAuthenticationSettings>(),
    createdAt: createdAtColumn(),
    updatedAt: updatedAtColumn(),
  },
  (t) => [uniqueIndex('scoped_config_variables_org_stable_key').on(t.orgId, t.stableKey)],
);

/** One customer's values (or, with is_test, the designer's test values) for a ScopedConfigVariable. */
export const customerConfigVariables = pgTable(
  'customer_config_variables',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: orgIdColumn(),
    scopedConfigVariableId: uuid('scoped_config_variable_id')
      .notNull()
      .references(() => scopedConfigVariables.id, { onDelete: 'cascade' }),
    customerId: uuid('customer_id').references(() => customers.id, { onDelete: 'cascade' }),
    isTest: boolean('is_test').notNull().default(false),
    key: text('key'),
    values: jsonb('values').$type<SealedInputs>().notNull(),
    lastConfiguredAt: timestamp('last_configured_at', { withTimezone: true }).notNull().defaultNow(),
    createdAt: createdAtColumn(),
    updatedAt: updatedAtColumn(),
  },
  (t) => [
    uniqueIndex('customer_config_variables_customer_key')
      .on(t.scopedConfigVariableId, t.customerId)
      .where(sql`${t.customerId} is not null`),
    uniqueIndex('customer_config_variables_test_key')
      .on(t.scopedConfigVariableId)
      .where(sql`${t.isTest}`),
    index('customer_config_variables_org_idx').on(t.orgId, t.customerId),
    // The pages of values, in their order (created_at, id): per connection (the LATERAL top-N of
    // the nested list, also the foreign key's index for deleting a connection) and per organization.
    index('customer_config_variables_scoped_page_idx').on(t.scopedConfigVariableId, t.createdAt, t.id),
    index('customer_config_variables_org_page_idx').on(t.orgId, t.createdAt, t.id),
  ],
);
