import { index, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createdAtColumn, orgIdColumn } from './columns';
import { scopedConfigVariables } from './connections';
import { customers } from './customers';
import { instances } from './integrations';
import { users } from './users';

/**
 * One user's own authentication on a connection with user authentications enabled (seed 002): a reusable
 * connection (`scoped_config_variable_id`) or an instance's inline connection (`instance_id` + `config_var_key`).
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
    /** Which connection it authenticates: a stable text key, `scv:<uuid>` or `inline:<instance uuid>:<config var key>`. */
    connectionRef: text('connection_ref').notNull(),
    scopedConfigVariableId: uuid('scoped_config_variable_id').references(() => scopedConfigVariables.id, { onDelete: 'cascade' }),
    instanceId: uuid('instance_id').references(() => instances.id, { onDelete: 'cascade' }),
    configVarKey: text('config_var_key'),
    createdAt: createdAtColumn(),
  },
  (t) => [
    uniqueIndex('user_authentications_user_connection').on(t.userId, t.connectionRef),
    index('user_authentications_org_connection').on(t.orgId, t.connectionRef),
  ],
);
