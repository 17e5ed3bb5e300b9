import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';

/** Children inserted per statement: small enough to keep each transaction short, large enough for 10,000 customers. */
export const CHILD_BATCH = 500;

/**
 * Inserts the next batch of a fan-out's children: one QUEUED, undispatched execution per enabled instance of
 * the integration whose deployed version has this flow as a fan-out and whose customer carries every label
 * of the filter. Each child runs its own instance's version, bindings and credentials.
 *
 * Resumable and crash-safe: instances that already have a child are skipped, and the unique (parent,
 * instance) index turns a concurrent or repeated insert into nothing, so however often a parent is resumed
 * no instance gets two children and none is left out. Returns how many were inserted.
 */
export async function insertChildBatch(db: DbOrTx, parentId: string, limit = CHILD_BATCH): Promise<number> {
  const inserted = await db.execute<{ id: string }>(sql`
    insert into executions (org_id, integration_id, version_id, instance_id, customer_id, flow_stable_key, invoke_type, trigger, parent_execution_id)
    select p.org_id, p.integration_id, i.deployed_version_id, i.id, i.customer_id, p.flow_stable_key, p.invoke_type, p.trigger, p.id
    from executions p
    join instances i on i.integration_id = p.integration_id and i.org_id = p.org_id and i.enabled
    join integration_versions v on v.id = i.deployed_version_id
    join customers c on c.id = i.customer_id
    where p.id = ${parentId}
      and v.definition->'flows' @> jsonb_build_array(jsonb_build_object('stableKey', p.flow_stable_key, 'trigger', jsonb_build_object('fanOut', '{}'::jsonb)))
      and c.labels @> array(select jsonb_array_elements_text(coalesce(p.fan_out->'labels', '[]'::jsonb)))
      and not exists (select 1 from executions x where x.parent_execution_id = p.id and x.instance_id = i.id)
    order by i.id
    limit ${limit}
    on conflict do nothing
    returning id`);
  return inserted.rows.length;
}
