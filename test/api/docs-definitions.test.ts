import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { connectionId, createScoped } from '../support/connections';
import { createHarness, gql } from '../support/harness';
import { seedOrg, type SeededOrg } from '../support/seed';

const root = path.resolve(import.meta.dirname, '../..');
const documents = ['README.md', ...fs.readdirSync(path.join(root, 'docs')).map((file) => `docs/${file}`)].filter((file) => file.endsWith('.md'));

type Example = { where: string; text: string; doc: any };

/** Every fenced ```yaml block that is a whole definition (has `flows`), named by file and line. */
function definitionExamples(): Example[] {
  const examples: Example[] = [];
  for (const file of documents) {
    const markdown = fs.readFileSync(path.join(root, file), 'utf8');
    for (const match of markdown.matchAll(/^```yaml\n([\s\S]*?)^```/gm)) {
      const doc = parseYaml(match[1]!);
      if (doc && typeof doc === 'object' && 'flows' in doc) {
        examples.push({ where: `${file}:${markdown.slice(0, match.index).split('\n').length}`, text: match[1]!, doc });
      }
    }
  }
  return examples;
}

const IMPORT = `mutation($d: String!) { importIntegration(input: { definition: $d }) { integration { id } errors { field messages } } }`;

const h = createHarness();
let org: SeededOrg;
beforeAll(async () => {
  org = await seedOrg(h.database.db);
});
afterAll(() => h.close());

describe('definition examples in README.md and docs/', () => {
  const examples = definitionExamples();

  it('finds the examples, the complete one in docs/definition.md among them', () => {
    expect(examples.map((example) => example.where)).toContainEqual(expect.stringMatching(/^docs\/definition\.md:/));
  });

  it.each(examples.map((example) => [example.where, example] as const))('%s imports as written', async (_where, example) => {
    // What the docs tell the reader to create first: the organization-activated connections the example
    // names by stable key, of the component its steps call through them.
    for (const configVar of example.doc.requiredConfigVars ?? []) {
      if (!configVar.useScopedConfigVar) continue;
      const step = JSON.stringify(example.doc.flows).includes(configVar.key) ? findStepUsing(example.doc.flows, configVar.key) : null;
      const component = step?.action?.component;
      expect(component, `${example.where}: no step uses connection "${configVar.key}"`).toBeDefined();
      const existing = await gql(
        h.app,
        `query($s: String) { scopedConfigVariables(stableKey: $s) { nodes { id } } }`,
        { s: configVar.useScopedConfigVar },
        org.adminToken,
      );
      if (existing.data.scopedConfigVariables.nodes.length > 0) continue;
      const connection = await connectionId(h.app, org.adminToken, component, firstConnectionKey(component));
      await createScoped(h.app, org.adminToken, { key: configVar.key, stableKey: configVar.useScopedConfigVar, variableScope: 'customer', connection });
    }
    const result = await gql(h.app, IMPORT, { d: example.text }, org.adminToken);
    expect(result.data?.importIntegration.errors, `${example.where} does not import`).toEqual([]);
    expect(result.data.importIntegration.integration.id).toMatch(/^SW50ZWdyYXRpb2/);
  });
});

function findStepUsing(steps: any[], connection: string): any {
  for (const step of steps) {
    if (step.connection === connection) return step;
    const nested = [...(step.steps ?? []), ...(step.branches ?? []).flatMap((branch: any) => branch.steps ?? []), ...(step.else ?? [])];
    const found = nested.length > 0 ? findStepUsing(nested, connection) : null;
    if (found) return found;
  }
  return null;
}

function firstConnectionKey(component: string): string {
  const catalogFile = fs
    .readdirSync(path.join(root, 'src/domain/components/catalog'))
    .find((file) => parseYaml(fs.readFileSync(path.join(root, 'src/domain/components/catalog', file), 'utf8')).key === component);
  if (!catalogFile) throw new Error(`component "${component}" is not in the catalog`);
  return parseYaml(fs.readFileSync(path.join(root, 'src/domain/components/catalog', catalogFile), 'utf8')).connections[0].key;
}
