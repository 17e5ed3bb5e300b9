import { index, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createdAtColumn, orgIdColumn } from './columns';
import { scopedConfigVariables } from './connections';
import { customers } from './customers';
import { instances } from './integrations';
import { users } from './users';

/**
 * One user's own authentication on a connection with user authentications enabled (seed 002): a reusable
 * connection, or an instance's inline connection.
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
    /** Which connection it authenticates, as waiting executions name it too: `scv:<uuid>` or `inline:<instance uuid>/<config var key>`. */
    connectionRef: text('connection_ref').notNull(),
    scopedConfigVariableId: uuid('scoped_config_variable_id').references(() => scopedConfigVariables.id, { onDelete: 'cascade' }),
    // Or an instance's inline connection (whose definition enables user authentications): the instance and its config variable.
    instanceId: uuid('instance_id').references(() => instances.id, { onDelete: 'cascade' }),
    configVariableKey: text('config_variable_key'),
    createdAt: createdAtColumn(),
  },
  (t) => [
    uniqueIndex('user_authentications_user_connection').on(t.userId, t.connectionRef),
    index('user_authentications_org_connection').on(t.orgId, t.connectionRef),
  ],
);
