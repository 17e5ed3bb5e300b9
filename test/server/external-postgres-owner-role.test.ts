import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { connectDatabase } from '../../src/db/client';
import { runMigrations } from '../../src/db/migrate';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/log';
import { startServer } from '../../src/main';
import { asAdmin, dropDatabase, uniqueName, urlFor } from '../support/scratch-database';
import { seedOrg } from '../support/seed';

// The README's grants for an external PostgreSQL, tried as a role that is neither superuser nor CREATEDB.
const role = uniqueName('tf_owner');
const password = randomBytes(12).toString('hex');
const databases: string[] = [];

async function scratchDatabase(ownedByRole: boolean) {
  const name = uniqueName('tf_role');
  databases.push(name);
  await asAdmin(async (admin) => {
    await admin.query(`create database "${name}"${ownedByRole ? ` owner "${role}"` : ''}`);
    if (!ownedByRole) await admin.query(`grant create on database "${name}" to "${role}"`);
  });
  return name;
}

beforeAll(async () => {
  await asAdmin((admin) => admin.query(`create role "${role}" login password '${password}' nosuperuser nocreatedb nocreaterole`));
});
afterAll(async () => {
  for (const name of databases) await dropDatabase(name);
  await asAdmin((admin) => admin.query(`drop role if exists "${role}"`));
});

/** Migrates and serves one authenticated query as the role; returns the owners of what was created. */
async function migrateAndServe(databaseName: string, query: string) {
  const url = urlFor(databaseName, { user: role, password, query });
  const database = connectDatabase(url, { max: 2 });
  try {
    await runMigrations(database);
    const server = await startServer(loadConfig({ DATABASE_URL: url, TENANTFLOW_MASTER_KEY: inject('masterKey'), PORT: '0' }), createLogger('silent'), {
      worker: false,
    });
    try {
      const org = await seedOrg(database.db);
      const response = await fetch(`${server.url}/api`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${org.adminToken}` },
        body: JSON.stringify({ query: '{ authenticatedUser { org { name } } }' }),
      });
      expect(await response.json()).toEqual({ data: { authenticatedUser: { org: { name: expect.stringMatching(/^org-/) } } } });
    } finally {
      await server.stop();
    }
  } finally {
    await database.close();
  }
  const owners = await asAdmin(
    (admin) =>
      admin.query<{ schema: string; owner: string }>(
        `select distinct n.nspname as schema, pg_get_userbyid(c.relowner) as owner from pg_class c
         join pg_namespace n on n.oid = c.relnamespace where c.relkind = 'r' and n.nspname not in ('pg_catalog', 'information_schema')`,
      ),
    databaseName,
  );
  return owners.rows;
}

describe('a non-superuser role', () => {
  it('that owns the database migrates and serves with the default schema', async () => {
    const owners = await migrateAndServe(await scratchDatabase(true), '');
    expect(owners).toEqual(
      expect.arrayContaining([
        { schema: 'public', owner: role },
        { schema: 'drizzle', owner: role },
        { schema: 'tenantflow_worker', owner: role },
      ]),
    );
    expect(owners.every((row) => row.owner === role)).toBe(true);
  });

  it('with only CREATE on a database someone else owns migrates and serves with ?schema=', async () => {
    const owners = await migrateAndServe(await scratchDatabase(false), '?schema=tenantflow');
    expect(owners.map((row) => row.schema).sort()).toEqual(['tenantflow', 'tenantflow_worker']);
    expect(owners.every((row) => row.owner === role)).toBe(true);
  });
});
