import type { DbOrTx } from '../../db/client';
import { runNamed, rowOf, type NamedStatement } from '../../db/named-statement';
import { customerConfigVariables, customers, dataKeys, scopedConfigVariables } from '../../db/tables';
import type { SealingKey } from '../../vault/vault';
import { isOrgUser, type Actor } from '../actor';

/**
 * createCustomerConfigVariable's two round trips, as constant named statements (each connection parses and
 * plans them once; no SQL is built per request): one read of everything the new value needs, one write.
 */

/**
 * The connection and the customer, each under the same visibility rule as its own lookup
 * (visibleScopedConfigVariables, visibleCustomers), and the data key of the value's owner (the customer's, or
 * the organization's for test credentials). $4: the actor is an organization user; $5: the actor's customer.
 */
const LOOK_UP: NamedStatement = {
  name: 'tf_provisioning_look_up',
  text: `select to_jsonb(s.*) as scv, to_jsonb(c.*) as customer, to_jsonb(k.*) as data_key
    from (values (1)) as lookup
    left join scoped_config_variables s on s.id = $2::uuid and s.org_id = $1::uuid
      and ($4::boolean or (s.managed_by = 'customer' and (s.customer_id is null or s.customer_id = $5::uuid)))
    left join customers c on c.id = $3::uuid and c.org_id = $1::uuid and not c.is_system and ($5::uuid is null or c.id = $5::uuid)
    left join lateral (
      select * from data_keys where org_id = $1::uuid and customer_id = $3::uuid
      union all
      select * from data_keys where org_id = $1::uuid and customer_id is null and $3::uuid is null
    ) k on true`,
};

export async function lookUpProvisioning(db: DbOrTx, actor: Actor, scvId: string, customerId: string | null) {
  const [raw] = await runNamed<{ scv: Record<string, unknown> | null; customer: Record<string, unknown> | null; data_key: Record<string, unknown> | null }>(
    db,
    LOOK_UP,
    [actor.orgId, scvId, customerId, isOrgUser(actor), actor.customerId],
  );
  return {
    scv: raw?.scv ? rowOf(scopedConfigVariables, raw.scv) : null,
    customer: raw?.customer ? rowOf(customers, raw.customer) : null,
    dataKey: raw?.data_key ? rowOf(dataKeys, raw.data_key) : null,
  };
}

/**
 * The value, with its owner's first data key when the key is new ($8–$10), in one statement and one commit.
 * When another writer stored the owner's first key meanwhile, the key's insert does nothing and neither
 * does the value's (its values are sealed with a key nobody stored): no row comes back.
 */
const INSERT: NamedStatement = {
  name: 'tf_provisioning_insert',
  text: `with new_key as (
      insert into data_keys (id, org_id, customer_id, wrapped_key, master_key_id)
      select $8::uuid, $2::uuid, $4::uuid, $9::text, $10::text where $9::text is not null
      on conflict do nothing
      returning id)
    insert into customer_config_variables (id, org_id, scoped_config_variable_id, customer_id, is_test, key, "values")
    select $1::uuid, $2::uuid, $3::uuid, $4::uuid, $5::boolean, $6::text, $7::jsonb
    where $9::text is null or exists (select 1 from new_key)
    returning *`,
};

export type NewCustomerConfigVariable = Pick<
  typeof customerConfigVariables.$inferInsert,
  'id' | 'orgId' | 'scopedConfigVariableId' | 'customerId' | 'isTest' | 'key' | 'values'
>;

/** The stored row, or null when the owner's first data key was stored by another writer first. */
export async function insertCustomerConfigVariable(db: DbOrTx, row: Required<NewCustomerConfigVariable>, sealingKey: SealingKey) {
  const [raw] = await runNamed(db, INSERT, [
    row.id,
    row.orgId,
    row.scopedConfigVariableId,
    row.customerId,
    row.isTest,
    row.key,
    JSON.stringify(row.values),
    sealingKey.id,
    sealingKey.created?.wrappedKey ?? null,
    sealingKey.created?.masterKeyId ?? null,
  ]);
  return raw ? rowOf(customerConfigVariables, raw) : null;
}
