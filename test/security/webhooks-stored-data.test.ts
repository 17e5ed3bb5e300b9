import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sealLegacyWebhookTokens } from '../../src/domain/instances';
import { createHarness, gql, type Harness } from '../support/harness';
import { seedOrg, type SeededOrg } from '../support/seed';
import { deployReceivers } from './webhooks-setup';

let h: Harness;
let org: SeededOrg;

beforeAll(async () => {
  h = createHarness();
  org = await seedOrg(h.database.db);
});
afterAll(() => h.close());

const uuidOf = (globalId: string) => Buffer.from(globalId, 'base64').toString().split(':')[1]!;
const FLOW_CONFIGS = `query($id: ID!) { instance(id: $id) { flowConfigs { nodes { id webhookUrl } } } }`;

/** Rows of every table (ours and the job queue's) whose text contains `needle`. */
async function rowsContaining(needle: string) {
  const tables = await h.database.db.execute<{ name: string }>(
    sql`select format('%I.%I', table_schema, table_name) as name from information_schema.tables where table_schema in ('public', 'tenantflow_worker') and table_type = 'BASE TABLE'`,
  );
  const found: string[] = [];
  for (const { name } of tables.rows) {
    const hits = await h.database.db.execute<{ n: number }>(sql`select count(*)::int as n from ${sql.raw(name)} t where t::text like ${`%${needle}%`}`);
    if (hits.rows[0]!.n > 0) found.push(name);
  }
  return found;
}

describe('what a webhook call leaves in the database', () => {
  it('keeps only allowlisted trigger headers: no Authorization, Cookie or X-Signature', async () => {
    const { paths } = await deployReceivers(h, org);
    const response = await h.app.fetch(`http://127.0.0.1${paths[0]}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'crm-sender/1.0',
        'prismatic-debug': 'true',
        authorization: 'Bearer stolen-bearer',
        cookie: 'session=stolen-cookie',
        'x-signature': 't=1,v1=00',
        'x-api-key': 'stolen-api-key',
      },
      body: '{"name":"headers"}',
    });
    expect(response.status).toBe(202);
    const id = uuidOf(response.headers.get('prismatic-executionid')!);
    const rows = await h.database.db.execute<{ trigger: { headers: Record<string, string> } }>(sql`select trigger from executions where id = ${id}`);
    expect(rows.rows[0]!.trigger.headers).toEqual({
      'content-type': 'application/json',
      'user-agent': 'crm-sender/1.0',
      'prismatic-debug': 'true',
      'content-length': '18',
    });
    for (const stolen of ['stolen-bearer', 'stolen-cookie', 'stolen-api-key']) expect(await rowsContaining(stolen)).toEqual([]);
  });

  it('keeps no webhook token in plain text, and the URL still works and reads the same', async () => {
    const { paths, instanceIds } = await deployReceivers(h, org);
    const token = paths[0]!.split('/').at(-1)!;
    expect(await rowsContaining(token)).toEqual([]);
    const read = await gql(h.app, FLOW_CONFIGS, { id: instanceIds[0] }, org.adminToken);
    expect(new URL(read.data.instance.flowConfigs.nodes[0].webhookUrl).pathname).toBe(paths[0]);
    expect((await h.app.fetch(`http://127.0.0.1${paths[0]}`, { method: 'POST', body: '{}' })).status).toBe(202);
  });

  it('moves a token from before hashing (plain text, hashed by the migration) into the vault at start', async () => {
    const { instanceIds } = await deployReceivers(h, org);
    const legacy = `legacy${'L'.repeat(37)}`;
    const configId = uuidOf((await gql(h.app, FLOW_CONFIGS, { id: instanceIds[0] }, org.adminToken)).data.instance.flowConfigs.nodes[0].id);
    // The state the migration leaves: the old plain column kept, its hash computed in SQL.
    await h.database.db.execute(
      sql`update instance_flow_configs set webhook_token = ${legacy}, webhook_token_sealed = null, webhook_token_hash = encode(sha256(convert_to(${legacy}::text, 'UTF8')), 'hex') where id = ${configId}`,
    );
    expect((await h.app.fetch(`http://127.0.0.1/webhooks/${legacy}`, { method: 'POST', body: '{}' })).status).toBe(202);
    expect(await sealLegacyWebhookTokens(h.database.db, h.vault)).toBeGreaterThanOrEqual(1);
    expect(await rowsContaining(legacy)).toEqual([]);
    const read = await gql(h.app, FLOW_CONFIGS, { id: instanceIds[0] }, org.adminToken);
    expect(read.data.instance.flowConfigs.nodes[0].webhookUrl).toBe(`http://127.0.0.1/webhooks/${legacy}`);
    expect((await h.app.fetch(`http://127.0.0.1/webhooks/${legacy}`, { method: 'POST', body: '{}' })).status).toBe(202);
  });
});
