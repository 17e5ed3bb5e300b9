import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../src/config';
import { connectDatabase } from '../../src/db/client';
import { createApp } from '../../src/http/app';
import { webhookRoutes } from '../../src/http/webhooks';
import { createLogger } from '../../src/log';
import { createHarness, type Harness } from '../support/harness';
import { seedOrg } from '../support/seed';
import { deployReceivers } from './webhooks-setup';

let h: Harness;
let path: string;

beforeAll(async () => {
  h = createHarness();
  path = (await deployReceivers(h, await seedOrg(h.database.db))).paths[0]!;
});
afterAll(() => h.close());

describe('an unexpected failure in a webhook call', () => {
  it('(the database gone) answers a bare 500 JSON and is logged once for the operator', async () => {
    const lines: string[] = [];
    const gone = connectDatabase(inject('databaseUrl'), { max: 1 });
    await gone.close();
    const log = createLogger('info', { write: (line: string) => void lines.push(line) });
    const app = createApp({
      db: gone.db,
      vault: h.vault,
      log,
      tenantName: 'test',
      publicUrl: 'http://127.0.0.1',
      routes: webhookRoutes({ db: gone.db, vault: h.vault, log, settings: loadConfig({}).webhooks }),
    });
    const response = await app.fetch(`http://127.0.0.1${path}?q=1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
    expect(response.status).toBe(500);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.text()).toBe('{"error":"Internal server error."}');
    const logged = lines.filter((line) => line.includes('unexpected error in a webhook request'));
    expect(logged).toHaveLength(1);
    expect(logged[0]).not.toContain(path.split('/').at(-1)!);
  });
});
