import fs from 'node:fs';
import path from 'node:path';
import { readMigrationFiles } from 'drizzle-orm/migrator';
// graphile-worker's list of its own migrations, without loading graphile-worker (a tenth of a second at start).
import { migrations as jobQueueMigrations } from 'graphile-worker/dist/generated/sql.js';
import type pg from 'pg';
import type { Database } from './client';
import { JOB_QUEUE_SCHEMA } from '../domain/executions/job-queue';
import { packagePath } from '../lib/package-root';

const migrationsFolder = packagePath('drizzle');
// Arbitrary but fixed: several processes starting at once must not run the same migration twice.
const MIGRATION_LOCK = 727_001;

/**
 * Applies drizzle/ migrations while one connection holds an advisory lock, then graphile-worker's. Returns
 * the names of the drizzle/ migrations it applied (empty when the database was up to date).
 */
export async function runMigrations(database: Database): Promise<string[]> {
  if (await isUpToDate(database)) return [];
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
  const { runMigrations: runJobQueueMigrations } = await import('graphile-worker');
  await runJobQueueMigrations({ pgPool: database.pool, schema: JOB_QUEUE_SCHEMA });
  return applied;
}

/**
 * Every start asks this first, in one query: has the database the newest migration of drizzle/ and of
 * graphile-worker's job queue? Then nothing is locked or read, and graphile-worker is not loaded. Any failure
 * (a journal that does not exist yet, a right missing) leaves it to the full path, which says what is wrong.
 */
async function isUpToDate(database: Database): Promise<boolean> {
  try {
    const { rows } = await database.pool.query<{ drizzle: string | null; job_queue: number | null }>(
      `select (select max(created_at) from ${journalTable(database.schema)}) as drizzle, (select max(id) from "${JOB_QUEUE_SCHEMA}".migrations) as job_queue`,
    );
    return Number(rows[0]?.drizzle) >= newestMigrationMillis() && Number(rows[0]?.job_queue) >= newestJobQueueMigration();
  } catch {
    return false;
  }
}

/** schema=public names where the tables always were: the journal stays where those databases have it. */
function journalSchemaFor(schema: string | undefined) {
  return schema === undefined || schema === 'public' ? 'drizzle' : schema;
}

function journalTable(schema: string | undefined) {
  return `"${journalSchemaFor(schema)}"."__drizzle_migrations"`;
}

function newestMigrationMillis(): number {
  return Math.max(...readJournal().entries.map((entry) => entry.when));
}

/** graphile-worker numbers its migrations 000001.sql, 000002.sql, … */
function newestJobQueueMigration(): number {
  return Math.max(...Object.keys(jobQueueMigrations).map((file) => Number.parseInt(file, 10)));
}

/** drizzle-kit's journal names each migration (its file name) by the time stamp the migrator keys on. */
function migrationNames(): Map<number, string> {
  return new Map(readJournal().entries.map((entry) => [entry.when, entry.tag]));
}

function readJournal() {
  return JSON.parse(fs.readFileSync(path.join(migrationsFolder, 'meta/_journal.json'), 'utf8')) as { entries: { when: number; tag: string }[] };
}

/**
 * drizzle's migrator, with the journal table in the chosen schema: without schema= (or with public) it is drizzle's own
 * (`drizzle.__drizzle_migrations`, as databases migrated so far have it) and the SQL runs as written.
 * With schema= the journal lives in that schema and drizzle-kit's `"public".` qualifiers are dropped, so
 * every name resolves through the connection's search_path to that schema. The files are never edited:
 * databases that applied them keep their hashes.
 */
async function applyMigrations(client: pg.PoolClient, schema: string | undefined): Promise<string[]> {
  const journalSchema = journalSchemaFor(schema);
  // Checked before CREATE SCHEMA: a role that owns its schema but may not create schemas must still migrate.
  const exists = await client.query('select 1 from pg_namespace where nspname = $1', [journalSchema]);
  if (exists.rowCount === 0) await client.query(`create schema "${journalSchema}"`);
  const journal = journalTable(schema);
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
