import { index, jsonb, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { createdAtColumn, orgIdColumn, updatedAtColumn } from './columns';
import type { SealedInputs } from './connections';
import { customers } from './customers';

/**
 * A free-standing credential of one component connection type (Locoia's Connector Auth), chosen per run by
 * a step's `auth` expression. With a customer, its values are sealed with that customer's data key and
 * the row goes with the customer (crypto-shredded); without one it is the organization's.
 */
export const connectorAuths = pgTable(
  'connector_auths',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: orgIdColumn(),
    customerId: uuid('customer_id').references(() => customers.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    componentKey: text('component_key').notNull(),
    connectionKey: text('connection_key').notNull(),
    values: jsonb('values').$type<SealedInputs>().notNull(),
    createdAt: createdAtColumn(),
    updatedAt: updatedAtColumn(),
  },
  (t) => [index('connector_auths_org_customer_idx').on(t.orgId, t.customerId), index('connector_auths_org_component_idx').on(t.orgId, t.componentKey)],
);
