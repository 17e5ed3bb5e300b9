import { index, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createdAtColumn, orgIdColumn } from './columns';
import { scopedConfigVariables } from './connections';
import { customers } from './customers';
import { users } from './users';

/**
 * One user's own authentication on a reusable connection with user authentications enabled (seed 002).
 * Its tokens are the `oauth2_tokens` row whose holder id is this row's id; `customer_id` is the user's
 * customer (null for organization users), so the tokens are sealed with that customer's data key.
 */
export const userAuthentications = pgTable(
  'user_authentications',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: orgIdColumn(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    customerId: uuid('customer_id').references(() => customers.id, { onDelete: 'cascade' }),
    /** Which connection it authenticates, as waiting executions name it too: `scv:<uuid>`. */
    connectionRef: text('connection_ref').notNull(),
    scopedConfigVariableId: uuid('scoped_config_variable_id').references(() => scopedConfigVariables.id, { onDelete: 'cascade' }),
    createdAt: createdAtColumn(),
  },
  (t) => [
    uniqueIndex('user_authentications_user_connection').on(t.userId, t.connectionRef),
    index('user_authentications_org_connection').on(t.orgId, t.connectionRef),
  ],
);
