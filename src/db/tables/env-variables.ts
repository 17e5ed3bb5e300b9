import { boolean, jsonb, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import type { SealedValue } from '../../vault/vault';
import { createdAtColumn, orgIdColumn, updatedAtColumn } from './columns';

export type EnvValueType = 'STRING' | 'JSON';

/**
 * An organization's named value, read by every flow's templates as `env.<name>` (seed 000: the map of
 * customer → connector auth ids). The value is sealed by the vault with the organization's data key like
 * every stored credential input, secret or not; `is_secret` decides whether responses may show it.
 */
export const envVariables = pgTable(
  'env_variables',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: orgIdColumn(),
    name: text('name').notNull(),
    valueType: text('value_type').$type<EnvValueType>().notNull(),
    isSecret: boolean('is_secret').notNull().default(false),
    value: jsonb('value').$type<SealedValue>().notNull(),
    createdAt: createdAtColumn(),
    updatedAt: updatedAtColumn(),
  },
  (t) => [uniqueIndex('env_variables_org_name_key').on(t.orgId, t.name)],
);
