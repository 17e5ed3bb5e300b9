import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeGlobalId } from '../../src/lib/global-id';
import { createHarness, type Harness } from '../support/harness';
import { seedCustomer, seedOrg, type SeededOrg } from '../support/seed';
import { listen, prism, type PrismResult } from './prism-cli';

let h: Harness;
let org: SeededOrg;
let server: Awaited<ReturnType<typeof listen>>;
let results: Record<string, PrismResult>;
const ids: Record<string, string> = {};

/** Every command of the Done-when list, run once in one prism process; each `it` reads its command's output. */
beforeAll(async () => {
  h = createHarness();
  org = await seedOrg(h.database.db);
  server = await listen(h.app);
  const listed = await seedCustomer(h.database.db, org.admin, { name: 'Listed Customer', externalId: 'listed-1' });
  const doomed = await seedCustomer(h.database.db, org.admin, { name: 'Doomed Customer' });
  ids.listed = encodeGlobalId('Customer', listed.id);
  ids.doomed = encodeGlobalId('Customer', doomed.id);
  const admin = org.adminToken;
  const commands: Record<string, string[]> = {
    me: ['me'],
    'customers:create': ['customers:create', '--name', 'Made By Prism', '--externalId', 'prism-1', '--label', 'gold'],
    'customers:update': ['customers:update', ids.listed, '--description', 'updated by prism'],
    'customers:delete': ['customers:delete', ids.doomed],
    'customers:list': ['customers:list', '--columns', 'id,name,externalId,description', '--no-truncate'],
    'organization:signing-keys:list': ['organization:signing-keys:list'],
    'organization:connections:list': ['organization:connections:list'],
  };
  const names = Object.keys(commands);
  const outputs = await prism(
    server.url,
    names.map((name) => ({ args: commands[name]!, token: admin })),
  );
  results = Object.fromEntries(names.map((name, i) => [name, outputs[i]!]));
}, 180_000);
afterAll(async () => {
  await server?.close();
  await h.close();
});

function succeeded(name: string) {
  const result = results[name]!;
  expect(result.stderr, name).toBe('');
  expect(result.code, name).toBe(0);
  return result.stdout;
}

describe('prism CLI 10.4 against tenantflow', () => {
  it('me prints the caller', () => {
    expect(succeeded('me')).toContain('Ada Admin');
  });

  it('customers:create, update and delete change the rows that customers:list then prints', () => {
    expect(succeeded('customers:create')).toMatch(/^Q3VzdG9tZXI6/);
    expect(succeeded('customers:update').trim()).toBe(ids.listed);
    succeeded('customers:delete');
    const list = succeeded('customers:list');
    expect(list).toContain('Made By Prism');
    expect(list).toContain('prism-1');
    expect(list).toMatch(new RegExp(`${ids.listed}\\s+Listed Customer\\s+listed-1\\s+updated by prism`));
    expect(list).not.toContain('Doomed Customer');
  });

  it('organization:signing-keys:list and organization:connections:list answer', () => {
    succeeded('organization:signing-keys:list');
    succeeded('organization:connections:list');
  });
});
