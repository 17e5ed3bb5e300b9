import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { connectDatabase, type Database } from '../../src/db/client';
import { runMigrations } from '../../src/db/migrate';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/log';
import { startServer, type RunningServer } from '../../src/main';
import { asAdmin, dropDatabase, uniqueName, urlFor } from '../support/scratch-database';
import { seedOrg } from '../support/seed';

// A fresh database, so "nothing in public" is true only if tenantflow put nothing there.
const databaseName = uniqueName('tf_schema');
const url = urlFor(databaseName, { query: '?schema=custom' });
let database: Database;
let server: RunningServer;

beforeAll(async () => {
  await asAdmin((admin) => admin.query(`create database "${databaseName}"`));
  database = connectDatabase(url, { max: 2 });
  await runMigrations(database);
  const config = loadConfig({ DATABASE_URL: url, TENANTFLOW_MASTER_KEY: inject('masterKey'), PORT: '0' });
  // startServer migrates again: a second run over the same schema must find nothing pending.
  server = await startServer(config, createLogger('silent'), { worker: false });
});
afterAll(async () => {
  await server?.stop();
  await database?.close();
  await dropDatabase(databaseName);
});

const tablesIn = (schema: string) =>
  asAdmin(
    async (admin) =>
      (await admin.query<{ table_name: string }>('select table_name from information_schema.tables where table_schema = $1', [schema])).rows.map(
        (row) => row.table_name,
      ),
    databaseName,
  );

describe('DATABASE_URL with ?schema=public', () => {
  it('finds the migrations a database without schema= applied, and applies none twice', async () => {
    const url = new URL(inject('databaseUrl'));
    url.search = '?schema=public';
    const existing = connectDatabase(url.toString(), { max: 1 });
    try {
      await expect(runMigrations(existing)).resolves.toEqual([]);
    } finally {
      await existing.close();
    }
  });
});

describe('DATABASE_URL with ?schema=custom', () => {
  it('migrates into that schema: tables, foreign keys and the migrations journal, nothing in public', async () => {
    expect(await tablesIn('custom')).toEqual(expect.arrayContaining(['organizations', 'executions', 'webhook_signature_uses', '__drizzle_migrations']));
    expect(await tablesIn('public')).toEqual([]);
    const elsewhere = await asAdmin(
      (admin) =>
        admin.query(
          `select c.conname from pg_constraint c join pg_class target on target.oid = c.confrelid
           join pg_namespace n on n.oid = target.relnamespace where c.contype = 'f' and n.nspname <> 'custom' and n.nspname not like 'tenantflow_worker%'`,
        ),
      databaseName,
    );
    expect(elsewhere.rows).toEqual([]);
    const journal = await asAdmin((admin) => admin.query('select count(*)::int as n from custom.__drizzle_migrations'), databaseName);
    expect(journal.rows[0].n).toBeGreaterThanOrEqual(6);
    expect(await asAdmin((admin) => admin.query(`select 1 from pg_namespace where nspname = 'drizzle'`), databaseName)).toMatchObject({ rowCount: 0 });
  });

  it('serves the API from that schema: a mutation writes there and a query reads it back', async () => {
    const org = await seedOrg(database.db);
    const call = async (query: string) => {
      const response = await fetch(`${server.url}/api`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${org.adminToken}` },
        body: JSON.stringify({ query }),
      });
      return (await response.json()) as { data: any; errors?: unknown };
    };
    const created = await call('mutation { createCustomer(input: { name: "In Custom", externalId: "in-custom" }) { customer { name } errors { field } } }');
    expect(created).toEqual({ data: { createCustomer: { customer: { name: 'In Custom' }, errors: [] } } });
    const listed = await call('{ customers(externalId: "in-custom") { nodes { name } } }');
    expect(listed).toEqual({ data: { customers: { nodes: [{ name: 'In Custom' }] } } });
    const rows = await asAdmin((admin) => admin.query(`select name from custom.customers where external_id = 'in-custom'`), databaseName);
    expect(rows.rows).toEqual([{ name: 'In Custom' }]);
  });
});
