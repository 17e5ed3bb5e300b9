import { asc, count, desc, type AnyColumn, type SQL } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import { rowsToFetch, uncountedPage, type Page, type PageResult, type Sort } from '../domain/pagination';
import type { DbOrTx } from './client';

type TableWithId = PgTable & { id: PgColumn };

/**
 * One page of a filtered, sorted table and its total count (two statements, run together; the count only when
 * the page asks for it). The id breaks ties, so pages never overlap or skip rows when sort values repeat.
 */
export async function selectPage<T extends TableWithId, F extends string>(
  db: DbOrTx,
  table: T,
  where: SQL | undefined,
  opts: { sort: Sort<F>[]; columns: Record<F, AnyColumn | SQL>; fallback: SQL[]; page: Page },
): Promise<PageResult<T['$inferSelect']>> {
  const requested = opts.sort.map((s) => (s.direction === 'DESC' ? desc : asc)(opts.columns[s.field]));
  const order = [...(requested.length ? requested : opts.fallback), asc(table.id)];
  const rows = db
    .select()
    .from(table as PgTable)
    .where(where)
    .orderBy(...order)
    .limit(rowsToFetch(opts.page))
    .offset(opts.page.offset);
  if (opts.page.countTotal === false) return uncountedPage(opts.page, (await rows) as T['$inferSelect'][]);
  const [page, [total]] = await Promise.all([
    rows,
    db
      .select({ n: count() })
      .from(table as PgTable)
      .where(where),
  ]);
  return { rows: page as T['$inferSelect'][], totalCount: total?.n ?? 0 };
}
