import { getTableColumns, type Table } from 'drizzle-orm';
import type pg from 'pg';
import type { DbOrTx } from './client';

/**
 * A hot statement: its text is a constant, so no SQL is built per call, and its name makes each
 * connection parse and plan it once (pg's named prepared statements) instead of on every execution.
 */
export type NamedStatement = { name: string; text: string };

type Queryable = { query: <R extends pg.QueryResultRow>(config: pg.QueryConfig) => Promise<pg.QueryResult<R>> };
type Session = { client: Queryable; logger: { logQuery: (query: string, params: unknown[]) => void } };

/**
 * Runs a named statement on the handle's own client: the pool, or the transaction's connection. It goes to
 * the handle's query logger like drizzle's own statements, so `connectDatabase`'s `onQuery` counts it too.
 */
export async function runNamed<R extends pg.QueryResultRow>(db: DbOrTx, statement: NamedStatement, values: unknown[]): Promise<R[]> {
  const { client, logger } = db._.session as unknown as Session;
  logger.logQuery(statement.text, values);
  const result = await client.query<R>({ name: statement.name, text: statement.text, values });
  return result.rows;
}

/**
 * A row of `table` as drizzle would return it, from a raw row or a `to_jsonb(row)` value (snake_case
 * column names; timestamps as Date or as JSON text).
 */
export function rowOf<T extends Table>(table: T, raw: Record<string, unknown>): T['$inferSelect'] {
  const row: Record<string, unknown> = {};
  for (const [key, column] of Object.entries(getTableColumns(table))) {
    const value = raw[column.name];
    row[key] = value == null ? null : value instanceof Date ? value : column.mapFromDriverValue(value);
  }
  return row as T['$inferSelect'];
}
