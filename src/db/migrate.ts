import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { runMigrations as runJobQueueMigrations } from 'graphile-worker';
import type { Database } from './client';
import { JOB_QUEUE_SCHEMA } from '../domain/executions/job-queue';

const migrationsFolder = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../drizzle');
// Arbitrary but fixed: several processes starting at once must not run the same migration twice.
const MIGRATION_LOCK = 727_001;

/** Applies drizzle/ migrations while one connection holds an advisory lock, then graphile-worker's. */
export async function runMigrations(database: Database) {
  const client = await database.pool.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await migrate(drizzle(client), { migrationsFolder });
  } finally {
    await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => {});
    client.release();
  }
  // The job queue's own schema (it locks its migrations itself): API processes enqueue jobs even when they
  // run no worker. Run after the lock client is released, so a one-connection pool does not wait on itself.
  await runJobQueueMigrations({ pgPool: database.pool, schema: JOB_QUEUE_SCHEMA });
}
