import type { Config } from '../config';
import type { Logger } from '../log';
import { connectDatabase, type Database } from './client';
import { startEmbeddedPostgres } from './embedded-postgres';
import { runMigrations } from './migrate';

export type OpenDatabase = Database & { url: string; embedded: boolean; shutdown: () => Promise<void> };

/** DATABASE_URL when set, the embedded PostgreSQL otherwise; the same pool and drizzle code either way. */
export async function openDatabase(config: Config, log: Logger, opts: { migrate?: boolean } = {}): Promise<OpenDatabase> {
  const postgres = config.databaseUrl
    ? { url: config.databaseUrl, stop: async () => {} }
    : await startEmbeddedPostgres({ dataDir: config.dataDir, port: config.embeddedPgPort, log });
  const database = connectDatabase(postgres.url);
  if (opts.migrate !== false) await runMigrations(database);
  return {
    ...database,
    url: postgres.url,
    embedded: !config.databaseUrl,
    shutdown: async () => {
      await database.close();
      await postgres.stop();
    },
  };
}
