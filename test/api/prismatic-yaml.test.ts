import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRISMATIC_HTTP_YAML, PRISMATIC_UNKNOWN_COMPONENTS_YAML } from '../../src/domain/integrations/prismatic-yaml/fixtures';
import { createHarness, gql, type Harness } from '../support/harness';
import { seedOrg, type SeededOrg } from '../support/seed';

let h: Harness;
let org: SeededOrg;
let other: SeededOrg;

const IMPORT = `mutation($input: ImportIntegrationInput!) {
  importIntegration(input: $input) { integration { id name stableKey flows { nodes { name stableKey } } } errors { field messages } }
}`;
const VALIDATE = `mutation($d: String!) { validateIntegrationSchema(input: { definition: $d }) { result { isValid } errors { field messages } } }`;
const EXPORT = `query($id: ID!, $format: IntegrationDefinitionFormat) { integration(id: $id) { definition(format: $format) } }`;
const COUNT = `query($name: String) { integrations(name: $name) { totalCount } }`;

/** The hand-written export, with the stable key tenantflow matches integrations by. */
const withStableKey = (stableKey: string) =>
  PRISMATIC_HTTP_YAML.replace('name: Prismatic ticket relay\n', `name: Prismatic ticket relay\nstableKey: ${stableKey}\n`);

async function importOk(token: string, definition: string, integrationId?: string) {
  const res = await gql(h.app, IMPORT, { input: { definition, integrationId } }, token);
  if (!res.data?.importIntegration?.integration) throw new Error(`import failed: ${JSON.stringify(res)}`);
  return res.data.importIntegration.integration as {
    id: string;
    name: string;
    stableKey: string | null;
    flows: { nodes: { name: string; stableKey: string }[] };
  };
}

async function exportAs(token: string, id: string, format?: string) {
  const res = await gql(h.app, EXPORT, { id, format }, token);
  if (typeof res.data?.integration?.definition !== 'string') throw new Error(`export failed: ${JSON.stringify(res)}`);
  return res.data.integration.definition as string;
}

beforeAll(async () => {
  h = createHarness();
  org = await seedOrg(h.database.db);
  other = await seedOrg(h.database.db);
});
afterAll(() => h.close());

describe('importIntegration with Prismatic YAML (definitionVersion 7)', () => {
  it('imports it as a tenantflow definition, which exports in either format and round-trips', async () => {
    const integration = await importOk(org.adminToken, withStableKey('prismatic-relay'));
    expect(integration).toMatchObject({
      name: 'Prismatic ticket relay',
      stableKey: 'prismatic-relay',
      flows: { nodes: [{ name: 'Relay tickets', stableKey: 'relay-tickets' }] },
    });

    const native = await exportAs(org.adminToken, integration.id);
    expect(native).toBe(await exportAs(org.adminToken, integration.id, 'TENANTFLOW'));
    expect(parse(native)).not.toHaveProperty('definitionVersion');
    expect(parse(native).flows[0].steps[0]).toMatchObject({ type: 'loop', items: '{{ trigger.body.tickets }}' });

    const prismatic = await exportAs(org.adminToken, integration.id, 'PRISMATIC_YAML');
    expect(parse(prismatic)).toMatchObject({ definitionVersion: 7, name: 'Prismatic ticket relay', stableKey: 'prismatic-relay' });
    expect(parse(prismatic).flows[0].steps[0]).toMatchObject({ isTrigger: true, action: { component: { key: 'webhook-triggers' }, key: 'webhook' } });

    const again = await importOk(org.adminToken, prismatic, integration.id);
    expect(again.id).toBe(integration.id);
    expect(await exportAs(org.adminToken, integration.id, 'PRISMATIC_YAML')).toBe(prismatic);
    expect(await exportAs(org.adminToken, integration.id)).toBe(native);
  });

  it('names each step of a component tenantflow lacks by its Prismatic path, all at once, and writes nothing', async () => {
    const expected = [
      'requiredConfigVars[0].connection.component.key: component "slack" is not available',
      'flows[0].steps[2].action.component.key: component "slack" is not available',
      'flows[0].steps[3].action.component.key: component "dropbox" is not available',
    ];
    const res = await gql(h.app, IMPORT, { input: { definition: PRISMATIC_UNKNOWN_COMPONENTS_YAML } }, org.adminToken);
    expect(res.data.importIntegration).toEqual({ integration: null, errors: [{ field: 'definition', messages: expected }] });
    const count = await gql(h.app, COUNT, { name: 'Prismatic notifier' }, org.adminToken);
    expect(count.data.integrations.totalCount).toBe(0);

    const validated = await gql(h.app, VALIDATE, { d: PRISMATIC_UNKNOWN_COMPONENTS_YAML }, org.adminToken);
    expect(validated.data.validateIntegrationSchema).toEqual({ result: { isValid: false }, errors: [{ field: 'definition', messages: expected }] });
  });

  it('reports problems of the mapped definition and of the tenant at their Prismatic paths', async () => {
    const text = PRISMATIC_HTTP_YAML.replace('key: http-request', 'key: http-get').replace('value: POST', 'value: [POST]');
    const res = await gql(h.app, IMPORT, { input: { definition: text } }, org.adminToken);
    expect(res.data.importIntegration.errors).toEqual([{ field: 'definition', messages: ['flows[0].steps[1].steps[0].inputs.method.value: must be text'] }]);
    const fixedInput = PRISMATIC_HTTP_YAML.replace('key: http-request', 'key: http-get');
    const unknownAction = await gql(h.app, IMPORT, { input: { definition: fixedInput } }, org.adminToken);
    expect(unknownAction.data.importIntegration.errors[0].messages).toEqual([
      'flows[0].steps[1].steps[0].action: component "http" has no action "http-get"; it has: http-request',
    ]);
  });

  it('refuses to export in Prismatic YAML what Prismatic cannot express, naming each place', async () => {
    const integration = await importOk(
      org.adminToken,
      `name: Api only
flows:
  - name: Lookup
    stableKey: lookup
    trigger: { type: api }
    steps:
      - name: Get
        action: { component: http, key: http-request }
        inputs: { url: "{{ trigger.body.url | downcase }}" }
`,
    );
    const res = await gql(h.app, EXPORT, { id: integration.id, format: 'PRISMATIC_YAML' }, org.adminToken);
    expect(res.data.integration.definition).toBeNull();
    expect(res.errors?.[0]?.extensions?.fields).toEqual([
      {
        field: 'format',
        messages: [
          'flows[0].trigger.type: Prismatic has no api trigger; use a webhook trigger',
          `flows[0].steps[0].inputs.url: "{{ trigger.body.url | downcase }}" has no Prismatic form: only text, references (steps['X'].results…, trigger.body…, loop items) and configVars['X'] can be exported`,
        ],
      },
    ]);
  });
});

describe('Prismatic imports stay in the importing organization', () => {
  it("an import with another organization's stable key or integration id leaves that organization's integration as it was", async () => {
    const mine = await importOk(org.adminToken, withStableKey('cross-org-relay'));
    const before = await exportAs(org.adminToken, mine.id);

    const theirs = await importOk(other.adminToken, withStableKey('cross-org-relay').replace('name: Prismatic ticket relay', 'name: Their relay'));
    expect(theirs.id).not.toBe(mine.id);

    const byId = await gql(h.app, IMPORT, { input: { definition: withStableKey('cross-org-relay'), integrationId: mine.id } }, other.adminToken);
    expect(byId.data?.importIntegration ?? null).toBeNull();
    expect(byId.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');

    expect(await exportAs(org.adminToken, mine.id)).toBe(before);
    expect((await gql(h.app, `query($id: ID!) { integration(id: $id) { name } }`, { id: mine.id }, org.adminToken)).data.integration.name).toBe(
      'Prismatic ticket relay',
    );
    expect((await gql(h.app, COUNT, { name: 'Their relay' }, org.adminToken)).data.integrations.totalCount).toBe(0);
  });
});
