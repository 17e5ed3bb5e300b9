import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { runMigrations as runJobQueueMigrations } from 'graphile-worker';
import type pg from 'pg';
import type { Database } from './client';
import { JOB_QUEUE_SCHEMA } from '../domain/executions/job-queue';

const migrationsFolder = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../drizzle');
// Arbitrary but fixed: several processes starting at once must not run the same migration twice.
const MIGRATION_LOCK = 727_001;

/**
 * Applies drizzle/ migrations while one connection holds an advisory lock, then graphile-worker's. Returns
 * the names of the drizzle/ migrations it applied (empty when the database was up to date).
 */
export async function runMigrations(database: Database): Promise<string[]> {
  const client = await database.pool.connect();
  let applied: string[];
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
    applied = await applyMigrations(client, database.schema);
  } finally {
    await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => {});
    client.release();
  }
  // The job queue's own schema (it locks its migrations itself): API processes enqueue jobs even when they
  // run no worker. Run after the lock client is released, so a one-connection pool does not wait on itself.
  await runJobQueueMigrations({ pgPool: database.pool, schema: JOB_QUEUE_SCHEMA });
  return applied;
}

/** drizzle-kit's journal names each migration (its file name) by the time stamp the migrator keys on. */
function migrationNames(): Map<number, string> {
  const journal = JSON.parse(fs.readFileSync(path.join(migrationsFolder, 'meta/_journal.json'), 'utf8')) as { entries: { when: number; tag: string }[] };
  return new Map(journal.entries.map((entry) => [entry.when, entry.tag]));
}

/**
 * drizzle's migrator, with the journal table in the chosen schema: without schema= (or with public) it is drizzle's own
 * (`drizzle.__drizzle_migrations`, as databases migrated so far have it) and the SQL runs as written.
 * With schema= the journal lives in that schema and drizzle-kit's `"public".` qualifiers are dropped, so
 * every name resolves through the connection's search_path to that schema. The files are never edited:
 * databases that applied them keep their hashes.
 */
async function applyMigrations(client: pg.PoolClient, schema: string | undefined): Promise<string[]> {
  // schema=public names where the tables always were: the journal stays where those databases have it.
  const journalSchema = schema === undefined || schema === 'public' ? 'drizzle' : schema;
  // Checked before CREATE SCHEMA: a role that owns its schema but may not create schemas must still migrate.
  const exists = await client.query('select 1 from pg_namespace where nspname = $1', [journalSchema]);
  if (exists.rowCount === 0) await client.query(`create schema "${journalSchema}"`);
  const journal = `"${journalSchema}"."__drizzle_migrations"`;
  await client.query(`create table if not exists ${journal} (id serial primary key, hash text not null, created_at bigint)`);
  const last = await client.query<{ created_at: string }>(`select created_at from ${journal} order by created_at desc limit 1`);
  const appliedUntil = last.rows[0] ? Number(last.rows[0].created_at) : -Infinity;
  const pending = readMigrationFiles({ migrationsFolder }).filter((migration) => migration.folderMillis > appliedUntil);
  if (pending.length === 0) return [];
  await client.query('begin');
  try {
    for (const migration of pending) {
      for (const statement of migration.sql) await client.query(schema ? statement.replaceAll('"public".', '') : statement);
      await client.query(`insert into ${journal} (hash, created_at) values ($1, $2)`, [migration.hash, migration.folderMillis]);
    }
    await client.query('commit');
    const names = migrationNames();
    return pending.map((migration) => names.get(migration.folderMillis) ?? String(migration.folderMillis));
  } catch (error) {
    await client.query('rollback');
    throw error;
  }
}
