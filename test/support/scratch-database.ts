import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

/** Runs SQL as the test server's administrator (the user of `inject('databaseUrl')`). */
export async function asAdmin<T>(work: (client: pg.Client) => Promise<T>, database?: string): Promise<T> {
  const url = new URL(inject('databaseUrl'));
  if (database) url.pathname = `/${database}`;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A lowercase name no other test run uses, e.g. `tf_schema_3fa9c1d2`. */
export const uniqueName = (prefix: string) => `${prefix}_${randomBytes(4).toString('hex')}`;

/** The test server's URL for another database and user, with query parameters. */
export function urlFor(database: string, opts: { user?: string; password?: string; query?: string } = {}) {
  const url = new URL(inject('databaseUrl'));
  url.pathname = `/${database}`;
  if (opts.user) url.username = opts.user;
  if (opts.password) url.password = opts.password;
  url.search = opts.query ?? '';
  return url.toString();
}

/** Drops a scratch database even while connections to it are open. */
export const dropDatabase = (name: string) => asAdmin((admin) => admin.query(`drop database if exists "${name}" with (force)`));
