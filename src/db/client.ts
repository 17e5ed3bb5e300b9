import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { parseDatabaseUrl, tlsOptions } from './database-url';
import * as tables from './tables';

export type Db = NodePgDatabase<typeof tables>;
/** A database handle inside a transaction; domain functions accept either. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
export type DbOrTx = Db | Tx;

/** `schema` is the one DATABASE_URL's schema= names; undefined means the server's search_path (`public`). */
export type Database = { db: Db; pool: pg.Pool; schema: string | undefined; close: () => Promise<void> };

export function connectDatabase(url: string, opts: { max?: number; onQuery?: (sql: string) => void } = {}): Database {
  const settings = parseDatabaseUrl(url);
  const pool = new pg.Pool({
    connectionString: settings.connectionString,
    ssl: tlsOptions(settings),
    // search_path as a startup option: every connection of the pool uses the schema from its first query.
    options: settings.options,
    max: opts.max ?? 10,
  });
  // An idle client losing its connection (e.g. Postgres restarting) must not crash the process.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  const onQuery = opts.onQuery;
  const config = { schema: tables, logger: onQuery ? { logQuery: (sql: string) => onQuery(sql) } : (false as const) };
  const db = drizzle(pool, config);
  // drizzle-orm 0.45 sends `begin` before its try/finally: when `begin` fails (a connection PostgreSQL closed
  // during a restart), the pooled client is never released and the pool shrinks by one for good, until every
  // request waits. Transactions therefore take their client here and always give it back; after a failure its
  // state is unknown (did the rollback run?), so it is destroyed rather than reused.
  db.transaction = async (work, transactionConfig) => {
    const client = await pool.connect();
    try {
      const result = await drizzle(client, config).transaction(work, transactionConfig);
      client.release();
      return result;
    } catch (error) {
      client.release(error instanceof Error ? error : new Error(String(error)));
      throw error;
    }
  };
  return { db, pool, schema: settings.schema, close: () => pool.end() };
}
