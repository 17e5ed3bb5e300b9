import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { connectDatabase, type Database } from '../../src/db/client';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/log';
import { startServer, type RunningServer } from '../../src/main';
import { seedOrg } from '../support/seed';

let server: RunningServer;
let database: Database;

beforeAll(async () => {
  database = connectDatabase(inject('databaseUrl'), { max: 2 });
  const config = loadConfig({ DATABASE_URL: inject('databaseUrl'), TENANTFLOW_MASTER_KEY: inject('masterKey'), PORT: '0', TENANT_NAME: 'eu-test' });
  server = await startServer(config, createLogger('silent'), { worker: false });
});
afterAll(async () => {
  await server.stop();
  await database.close();
});

describe('startServer with DATABASE_URL', () => {
  it('serves the API on a real port with the same code path as npm start', async () => {
    const org = await seedOrg(database.db);
    const response = await fetch(`${server.url}/api`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${org.adminToken}` },
      body: JSON.stringify({ query: '{ authenticatedUser { tenantId org { name } } }' }),
    });
    expect(await response.json()).toEqual({ data: { authenticatedUser: { tenantId: 'eu-test', org: { name: expect.stringMatching(/^org-/) } } } });
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
  });

  it('refuses to start with another master key, and says which', async () => {
    const config = loadConfig({ DATABASE_URL: inject('databaseUrl'), TENANTFLOW_MASTER_KEY: Buffer.alloc(32, 3).toString('base64'), PORT: '0' });
    await expect(startServer(config, createLogger('silent'), { worker: false })).rejects.toThrow('is not the key this database was encrypted with');
  });
});
