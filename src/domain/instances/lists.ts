import { and, count, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { instances } from '../../db/tables';
import type { Actor } from '../actor';
import type { Page, PageResult } from '../pagination';
import { visibleInstances, type Instance } from './instances';

export type InstanceParent = 'customerId' | 'integrationId';

/**
 * One page of instances for each of many customers (or integrations), in creation order, in two statements
 * however many parents are listed: `customers { nodes { instances { … } } }` is not N+1.
 */
export async function listInstancesPerParent(
  db: DbOrTx,
  actor: Actor,
  parent: InstanceParent,
  parentIds: readonly string[],
  filter: { enabled?: boolean | null },
  page: Page,
): Promise<Map<string, PageResult<Instance>>> {
  const result = new Map<string, PageResult<Instance>>();
  if (parentIds.length === 0) return result;
  const column = instances[parent];
  const conditions: SQL[] = [visibleInstances(actor), inArray(column, [...parentIds]), eq(instances.isSystem, false)];
  if (filter.enabled != null) conditions.push(eq(instances.enabled, filter.enabled));
  const where = and(...conditions);
  const ranked = db
    .select({
      id: instances.id,
      parent: sql<string>`${column}`.as('parent'),
      n: sql<number>`row_number() over (partition by ${column} order by ${instances.createdAt}, ${instances.id})`.as('n'),
      total: sql<number>`count(*) over (partition by ${column})`.as('total'),
    })
    .from(instances)
    .where(where)
    .as('ranked');
  const window = await db
    .select()
    .from(ranked)
    .where(sql`${ranked.n} > ${page.offset} and ${ranked.n} <= ${page.offset + page.limit}`)
    .orderBy(ranked.parent, ranked.n);
  const rows = window.length
    ? await db
        .select()
        .from(instances)
        .where(
          inArray(
            instances.id,
            window.map((w) => w.id),
          ),
        )
    : [];
  for (const w of window) {
    const entry = result.get(w.parent) ?? { rows: [], totalCount: Number(w.total) };
    entry.rows.push(rows.find((row) => row.id === w.id)!);
    result.set(w.parent, entry);
  }
  // A page past the end carries no totals; count those parents separately.
  const missing = parentIds.filter((id) => !result.has(id));
  if (missing.length > 0 && (page.offset > 0 || page.limit === 0)) {
    const counts = await db.select({ parent: column, n: count() }).from(instances).where(where).groupBy(column);
    for (const id of missing) result.set(id, { rows: [], totalCount: counts.find((c) => c.parent === id)?.n ?? 0 });
  }
  for (const id of missing) if (!result.has(id)) result.set(id, { rows: [], totalCount: 0 });
  return result;
}
