import pg from 'pg';
import type { Config } from '../config';
import type { Logger } from '../log';
import { connectDatabase, type Database } from './client';
import { startEmbeddedPostgres } from './embedded-postgres';
import { runMigrations } from './migrate';
import { markStart } from '../lib/start-timeline';

/** `appliedMigrations`: the drizzle/ migrations this open applied (none when it did not migrate or nothing was pending). */
export type OpenDatabase = Database & { url: string; embedded: boolean; appliedMigrations: string[]; shutdown: () => Promise<void> };

/** A database that cannot be reached or migrated at start; the message is one line naming the setting. */
export class DatabaseOpenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatabaseOpenError';
  }
}

const CONNECT_TIMEOUT_MS = 10_000;

/** DATABASE_URL when set, the embedded PostgreSQL otherwise; the same pool and drizzle code either way. */
export async function openDatabase(config: Config, log: Logger, opts: { migrate?: boolean } = {}): Promise<OpenDatabase> {
  const postgres = config.databaseUrl
    ? { url: config.databaseUrl, stop: async () => {} }
    : await startEmbeddedPostgres({ dataDir: config.dataDir, port: config.embeddedPgPort, log });
  markStart('postgres running');
  const where = config.databaseUrl ? `DATABASE_URL (${withoutPassword(config.databaseUrl)})` : `the embedded PostgreSQL in DATA_DIR (${config.dataDir})`;
  const database = connectDatabase(postgres.url);
  const shutdown = async () => {
    await database.close();
    await postgres.stop();
  };
  let appliedMigrations: string[] = [];
  try {
    await probe(postgres.url).catch((error: unknown) => {
      throw new DatabaseOpenError(
        `Cannot connect to the database at ${where}: ${firstLine(error)}; check ${config.databaseUrl ? 'DATABASE_URL' : 'DATA_DIR'}.`,
      );
    });
    markStart('database connected');
    if (opts.migrate !== false) {
      appliedMigrations = await runMigrations(database).catch((error: unknown) => {
        throw new DatabaseOpenError(`Database migrations failed on ${where}: ${firstLine(error)}; fix the database (or its role's rights) and start again.`);
      });
    }
  } catch (error) {
    await shutdown().catch(() => {});
    throw error;
  }
  markStart('migrations checked');
  return { ...database, url: postgres.url, embedded: !config.databaseUrl, appliedMigrations, shutdown };
}

async function probe(url: string) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('select 1');
  } finally {
    await client.end().catch(() => {});
  }
}

function withoutPassword(url: string) {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'an unparsable URL';
  }
}

// A driver error may wrap the failing query in its message (drizzle) or a cause; the operator needs the reason.
function firstLine(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const message = cause instanceof Error ? cause.message || (cause as NodeJS.ErrnoException).code || cause.name : String(cause);
  return message.split('\n')[0]!.trim();
}
