import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import * as tables from './tables';

export type Db = NodePgDatabase<typeof tables>;
/** A database handle inside a transaction; domain functions accept either. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
export type DbOrTx = Db | Tx;

export type Database = { db: Db; pool: pg.Pool; close: () => Promise<void> };

export function connectDatabase(url: string, opts: { max?: number; onQuery?: (sql: string) => void } = {}): Database {
  const pool = new pg.Pool({ connectionString: url, max: opts.max ?? 10 });
  // An idle client losing its connection (e.g. Postgres restarting) must not crash the process.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  const onQuery = opts.onQuery;
  const db = drizzle(pool, {
    schema: tables,
    logger: onQuery ? { logQuery: (sql) => onQuery(sql) } : false,
  });
  return { db, pool, close: () => pool.end() };
}
