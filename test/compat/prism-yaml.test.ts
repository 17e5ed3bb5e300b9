import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRISMATIC_HTTP_YAML, PRISMATIC_UNKNOWN_COMPONENTS_YAML } from '../../src/domain/integrations/prismatic-yaml/fixtures';
import { createHarness, gql, type Harness } from '../support/harness';
import { seedOrg, type SeededOrg } from '../support/seed';
import { listen, prism, type PrismResult } from './prism-cli';

/* `prism integrations:import` of Prismatic definitionVersion 7 YAML, as a vendor moving over would run it. */

let h: Harness;
let org: SeededOrg;
let server: Awaited<ReturnType<typeof listen>>;
let imported: PrismResult;
let refused: PrismResult;

beforeAll(async () => {
  h = createHarness();
  org = await seedOrg(h.database.db);
  server = await listen(() => h.app);
  const dir = mkdtempSync(path.join(tmpdir(), 'prism-yaml-'));
  const files = { ok: path.join(dir, 'relay.yml'), unknown: path.join(dir, 'notifier.yml') };
  writeFileSync(files.ok, PRISMATIC_HTTP_YAML);
  writeFileSync(files.unknown, PRISMATIC_UNKNOWN_COMPONENTS_YAML);
  const results = await prism(server.url, [
    { args: ['integrations:import', '--path', files.ok], token: org.adminToken },
    { args: ['integrations:import', '--path', files.unknown], token: org.adminToken },
  ]);
  [imported, refused] = [results[0]!, results[1]!];
}, 180_000);
afterAll(async () => {
  await server.close();
  await h.close();
});

describe('prism integrations:import with Prismatic YAML', () => {
  it('imports a definition of components tenantflow has and prints its id', async () => {
    expect(imported.code, imported.stderr).toBe(0);
    const id = imported.stdout.trim();
    const res = await gql(h.app, `query($id: ID!) { integration(id: $id) { name definition(format: PRISMATIC_YAML) } }`, { id }, org.adminToken);
    expect(res.data.integration.name).toBe('Prismatic ticket relay');
    expect(parse(res.data.integration.definition).flows[0].steps[1].inputs.items).toEqual({
      type: 'reference',
      value: 'integrationTrigger.results.body.data.tickets',
    });
  });

  it('fails naming each unavailable component by its path, and creates nothing', async () => {
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('flows[0].steps[2].action.component.key: component "slack" is not available');
    expect(refused.stderr).toContain('flows[0].steps[3].action.component.key: component "dropbox" is not available');
    const count = await gql(h.app, `{ integrations(name: "Prismatic notifier") { totalCount } }`, {}, org.adminToken);
    expect(count.data.integrations.totalCount).toBe(0);
  });
});
