import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseIntegrationDefinition, serializeIntegrationDefinition } from '../../src/domain/integrations/definition';
import { flowIdOf } from '../../src/domain/integrations/flows';
import { decodeGlobalId, encodeGlobalId } from '../../src/lib/global-id';
import { connectionId, createScoped } from '../support/connections';
import { createHarness, gql, type Harness } from '../support/harness';
import { seedCustomer, seedOrg, type SeededOrg } from '../support/seed';

let h: Harness;
let org: SeededOrg;
let other: SeededOrg;
let scopedId: string;
const missing = encodeGlobalId('Integration', '00000000-0000-4000-8000-0000000000aa');

const definition = (stableKey: string, name = 'Acme sync', extra = '') => `name: ${name}
description: Reads each customer's Acme account.
stableKey: ${stableKey}
requiredConfigVars:
  - key: Acme Connection
    stableKey: acme-connection
    dataType: connection
    useScopedConfigVar: acme-api-key
  - key: Batch size
    dataType: number
    defaultValue: "50"
  - key: Client map
    dataType: json
    defaultValue: "{}"
flows:
  - name: Account webhook
    stableKey: account-webhook
    trigger: { type: webhook, synchronous: true }
    steps:
      - name: Get account
        action: { component: acme-api, key: get-account }
        connection: Acme Connection
  - name: Nightly
    stableKey: nightly
    trigger: { type: schedule, cron: "0 3 * * *", timeZone: Europe/Berlin }
    steps:
      - name: Get account
        action: { component: acme-api, key: get-account }
        connection: Acme Connection
${extra}`;

const IMPORT = `mutation($input: ImportIntegrationInput!) {
  importIntegration(input: $input) { integration { id name stableKey versionNumber } errors { field messages } }
}`;
const PUBLISH = `mutation($id: ID!, $comment: String) {
  publishIntegration(input: { id: $id, comment: $comment }) {
    integration { id versionNumber } integrationVersion { versionNumber versionComment } errors { field messages }
  }
}`;
const READ = `query($id: ID!) { integration(id: $id) { id name } }`;
const DELETE = `mutation($id: ID!) { deleteIntegration(input: { id: $id }) { integration { id } errors { field messages } } }`;

async function importOk(token: string, text: string, integrationId?: string) {
  const res = await gql(h.app, IMPORT, { input: { definition: text, integrationId } }, token);
  if (!res.data?.importIntegration?.integration) throw new Error(`import failed: ${JSON.stringify(res)}`);
  return res.data.importIntegration.integration as { id: string; name: string; stableKey: string; versionNumber: number };
}

const countByStableKey = async (stableKey: string, token = org.adminToken) =>
  (await gql(h.app, `query($sk: String) { integrations(stableKey: $sk) { totalCount } }`, { sk: stableKey }, token)).data.integrations.totalCount as number;

const importErrors = async (text: string) => {
  const res = await gql(h.app, IMPORT, { input: { definition: text } }, org.adminToken);
  expect(res.data.importIntegration.integration).toBeNull();
  return res.data.importIntegration.errors;
};

beforeAll(async () => {
  h = createHarness();
  org = await seedOrg(h.database.db);
  other = await seedOrg(h.database.db);
  const acme = await connectionId(h.app, org.adminToken, 'acme-api', 'api-key');
  scopedId = (await createScoped(h.app, org.adminToken, { key: 'Acme API key', stableKey: 'acme-api-key', variableScope: 'customer', connection: acme })).id;
});
afterAll(() => h.close());

describe('importIntegration', () => {
  it('creates an integration whose connection config var resolves by stable key in this tenant', async () => {
    const text = definition('acme-sync');
    const res = await gql(
      h.app,
      `mutation($d: String!) { importIntegration(input: { definition: $d }) {
        integration {
          id name description stableKey versionNumber definition
          flows { totalCount nodes { id name stableKey isSynchronous triggerType schedule { cron timeZone configVar } } }
          requiredConfigVariables { nodes { key stableKey dataType codeLanguage defaultValue useScopedConfigVar scopedConfigVariable { id stableKey } connection { key } } }
          versionSequence { totalCount }
        }
        errors { field messages }
      } }`,
      { d: text },
      org.adminToken,
    );
    expect(res.data.importIntegration.errors).toEqual([]);
    const integration = res.data.importIntegration.integration;
    const uuid = decodeGlobalId(integration.id)!.id;
    expect(decodeGlobalId(integration.id)!.typeName).toBe('Integration');
    const parsed = parseIntegrationDefinition(text);
    if (!parsed.ok) throw new Error('fixture does not parse');
    expect(integration).toEqual({
      id: integration.id,
      name: 'Acme sync',
      description: "Reads each customer's Acme account.",
      stableKey: 'acme-sync',
      versionNumber: 0,
      definition: serializeIntegrationDefinition(parsed.value),
      flows: {
        totalCount: 2,
        nodes: [
          {
            id: encodeGlobalId('IntegrationFlow', flowIdOf(uuid, 'account-webhook')),
            name: 'Account webhook',
            stableKey: 'account-webhook',
            isSynchronous: true,
            triggerType: 'WEBHOOK',
            schedule: null,
          },
          {
            id: encodeGlobalId('IntegrationFlow', flowIdOf(uuid, 'nightly')),
            name: 'Nightly',
            stableKey: 'nightly',
            isSynchronous: false,
            triggerType: 'SCHEDULE',
            schedule: { cron: '0 3 * * *', timeZone: 'Europe/Berlin', configVar: null },
          },
        ],
      },
      requiredConfigVariables: {
        nodes: [
          {
            key: 'Acme Connection',
            stableKey: 'acme-connection',
            dataType: 'CONNECTION',
            codeLanguage: null,
            defaultValue: null,
            useScopedConfigVar: 'acme-api-key',
            scopedConfigVariable: { id: scopedId, stableKey: 'acme-api-key' },
            connection: null,
          },
          {
            key: 'Batch size',
            stableKey: null,
            dataType: 'NUMBER',
            codeLanguage: null,
            defaultValue: '50',
            useScopedConfigVar: null,
            scopedConfigVariable: null,
            connection: null,
          },
          {
            key: 'Client map',
            stableKey: null,
            dataType: 'CODE',
            codeLanguage: 'JSON',
            defaultValue: '{}',
            useScopedConfigVar: null,
            scopedConfigVariable: null,
            connection: null,
          },
        ],
      },
      versionSequence: { totalCount: 0 },
    });

    const flow = await gql(
      h.app,
      `query($id: ID!) { node(id: $id) { id ... on IntegrationFlow { name } } }`,
      { id: integration.flows.nodes[1].id },
      org.adminToken,
    );
    expect(flow.data.node).toEqual({ id: integration.flows.nodes[1].id, name: 'Nightly' });
  });

  const badDefinitions: [string, string, string[]][] = [
    [
      'a useScopedConfigVar stable key missing in this tenant',
      definition('bad-scv').replace('useScopedConfigVar: acme-api-key', 'useScopedConfigVar: acme-api-key-eu'),
      ['requiredConfigVars[0].useScopedConfigVar: no connection with stable key "acme-api-key-eu" exists in this tenant; create it (same stable key) first'],
    ],
    [
      'an unknown component and an unknown action',
      definition('bad-action')
        .replace('{ component: acme-api, key: get-account }', '{ component: acme-apx, key: get-account }')
        .replace(
          'Europe/Berlin }\n    steps:\n      - name: Get account\n        action: { component: acme-api, key: get-account }',
          'Europe/Berlin }\n    steps:\n      - name: Get account\n        action: { component: acme-api, key: get-acount }',
        ),
      [
        'flows[0].steps[0].action: component "acme-apx" does not exist in this tenant',
        'flows[1].steps[0].action: component "acme-api" has no action "get-acount"; it has: get-account, create-record',
      ],
    ],
    [
      "a step whose action is not of its connection's component",
      definition(
        'bad-mismatch',
        'Mismatch',
        `  - name: Tickets
    stableKey: tickets
    trigger: { type: api }
    steps:
      - name: List
        action: { component: zendesk, key: list-tickets }
        connection: Acme Connection
`,
      ),
      ['flows[2].steps[0].connection: "Acme Connection" is a connection of component "acme-api", but action "list-tickets" belongs to component "zendesk"'],
    ],
    [
      'an inline connection type the component lacks',
      definition('bad-inline').replace(
        '  - key: Batch size',
        '  - key: Zendesk\n    dataType: connection\n    connection: { component: zendesk, key: oauth }\n  - key: Batch size',
      ),
      ['requiredConfigVars[1].connection: component "zendesk" has no connection "oauth"; it has: api-token, oauth2'],
    ],
    [
      'YAML that does not parse',
      'name: [unclosed\nflows: []\n',
      ['definition: Flow sequence in block collection must be sufficiently indented and end with a ] (line 2, column 1)'],
    ],
  ];

  it.each(badDefinitions)('reports %s under "definition" with the path, and writes nothing', async (_label, text, messages) => {
    const errors = await importErrors(text);
    expect(errors).toEqual([{ field: 'definition', messages }]);
    const stableKey = /stableKey: (bad-[a-z]+)/.exec(text)?.[1];
    if (stableKey) expect(await countByStableKey(stableKey)).toBe(0);
  });

  it('resolves stable keys per tenant: another organization can import the same YAML once it has the same stable key', async () => {
    const text = definition('synced');
    const before = await gql(h.app, IMPORT, { input: { definition: text } }, other.adminToken);
    expect(before.data.importIntegration.errors).toEqual([
      {
        field: 'definition',
        messages: [
          'requiredConfigVars[0].useScopedConfigVar: no connection with stable key "acme-api-key" exists in this tenant; create it (same stable key) first',
        ],
      },
    ]);
    const acme = await connectionId(h.app, other.adminToken, 'acme-api', 'api-key');
    const theirs = await createScoped(h.app, other.adminToken, { key: 'Acme (prod)', stableKey: 'acme-api-key', variableScope: 'customer', connection: acme });
    const imported = await importOk(other.adminToken, text);
    const res = await gql(
      h.app,
      `query($id: ID!) { integration(id: $id) { requiredConfigVariables(key: "Acme Connection") { nodes { scopedConfigVariable { id key } } } } }`,
      { id: imported.id },
      other.adminToken,
    );
    expect(res.data.integration.requiredConfigVariables.nodes).toEqual([{ scopedConfigVariable: { id: theirs.id, key: 'Acme (prod)' } }]);
  });

  it('replaces the integration with the same stable key instead of adding one (idempotent sync)', async () => {
    const first = await importOk(org.adminToken, definition('resync', 'Resync v1'));
    const second = await importOk(org.adminToken, definition('resync', 'Resync v2'));
    expect(second).toEqual({ id: first.id, name: 'Resync v2', stableKey: 'resync', versionNumber: 0 });
    expect(await countByStableKey('resync')).toBe(1);
  });

  it('leaves one row when the same stable key is imported concurrently', async () => {
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => importOk(org.adminToken, definition('race-import', `Race ${i}`))));
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
    expect(await countByStableKey('race-import')).toBe(1);
  });

  it('replaces the draft of the integration named by integrationId, stable key included', async () => {
    const target = await importOk(org.adminToken, definition('by-id', 'By id'));
    const replaced = await importOk(org.adminToken, definition('by-id-renamed', 'By id, renamed'), target.id);
    expect(replaced).toEqual({ id: target.id, name: 'By id, renamed', stableKey: 'by-id-renamed', versionNumber: 0 });
    expect(await countByStableKey('by-id')).toBe(0);
  });

  it('refuses a stable key another integration has when replacing by integrationId', async () => {
    const taken = await importOk(org.adminToken, definition('taken-key'));
    const target = await importOk(org.adminToken, definition('free-key'));
    const res = await gql(h.app, IMPORT, { input: { definition: definition('taken-key'), integrationId: target.id } }, org.adminToken);
    expect(res.data.importIntegration).toEqual({
      integration: null,
      errors: [{ field: 'definition', messages: ['stableKey: another integration of this organization has the stable key "taken-key"'] }],
    });
    expect((await gql(h.app, READ, { id: taken.id }, org.adminToken)).data.integration.id).toBe(taken.id);
  });

  it('names the field of an integrationId of another type', async () => {
    const res = await gql(h.app, IMPORT, { input: { definition: definition('typed'), integrationId: scopedId } }, org.adminToken);
    expect(res.data.importIntegration).toEqual({
      integration: null,
      errors: [{ field: 'integrationId', messages: [`"${scopedId}" is not an Integration id.`] }],
    });
  });
});

describe('publishIntegration', () => {
  it("numbers versions 1, 2, … and keeps each version's definition", async () => {
    const integration = await importOk(org.adminToken, definition('publish-me', 'Publish v1'));
    const first = await gql(h.app, PUBLISH, { id: integration.id }, org.adminToken);
    expect(first.data.publishIntegration).toEqual({
      integration: { id: integration.id, versionNumber: 1 },
      integrationVersion: { versionNumber: 1, versionComment: null },
      errors: [],
    });
    await importOk(org.adminToken, definition('publish-me', 'Publish v2'));
    const second = await gql(h.app, PUBLISH, { id: integration.id, comment: 'Renamed' }, org.adminToken);
    expect(second.data.publishIntegration.integrationVersion).toEqual({ versionNumber: 2, versionComment: 'Renamed' });
    await importOk(org.adminToken, definition('publish-me', 'Publish draft'));

    const res = await gql(
      h.app,
      `query($id: ID!) { integration(id: $id) {
        name versionNumber
        v1: definition(versionNumber: 1) v3: definition(versionNumber: 3) prism: definition(version: 7, format: TENANTFLOW)
        versionSequence { nodes { versionNumber versionComment versionIsAvailable definition } }
      } }`,
      { id: integration.id },
      org.adminToken,
    );
    const yamlOf = (name: string) => {
      const parsed = parseIntegrationDefinition(definition('publish-me', name));
      if (!parsed.ok) throw new Error('fixture does not parse');
      return serializeIntegrationDefinition(parsed.value);
    };
    expect(res.data.integration).toEqual({
      name: 'Publish draft',
      versionNumber: 2,
      v1: yamlOf('Publish v1'),
      v3: null,
      prism: yamlOf('Publish draft'),
      versionSequence: {
        nodes: [
          { versionNumber: 2, versionComment: 'Renamed', versionIsAvailable: true, definition: yamlOf('Publish v2') },
          { versionNumber: 1, versionComment: null, versionIsAvailable: true, definition: yamlOf('Publish v1') },
        ],
      },
    });
  });

  it('gives concurrent publishes distinct, consecutive numbers', async () => {
    const integration = await importOk(org.adminToken, definition('publish-race'));
    const results = await Promise.all(Array.from({ length: 6 }, () => gql(h.app, PUBLISH, { id: integration.id }, org.adminToken)));
    const numbers = results.map((r) => r.data.publishIntegration.integrationVersion.versionNumber).sort((a: number, b: number) => a - b);
    expect(numbers).toEqual([1, 2, 3, 4, 5, 6]);
    const read = await gql(
      h.app,
      `query($id: ID!) { integration(id: $id) { versionNumber versionSequence { totalCount } } }`,
      { id: integration.id },
      org.adminToken,
    );
    expect(read.data.integration).toEqual({ versionNumber: 6, versionSequence: { totalCount: 6 } });
  });
});

describe('validateIntegrationSchema', () => {
  const VALIDATE = `mutation($d: String!) { validateIntegrationSchema(input: { definition: $d }) { result { isValid } errors { field messages } } }`;

  it('runs the import checks without writing anything', async () => {
    const ok = await gql(h.app, VALIDATE, { d: definition('validated') }, org.memberToken);
    expect(ok.data.validateIntegrationSchema).toEqual({ result: { isValid: true }, errors: [] });
    const bad = await gql(h.app, VALIDATE, { d: definition('validated').replace('acme-api-key', 'nope-key') }, org.adminToken);
    expect(bad.data.validateIntegrationSchema).toEqual({
      result: { isValid: false },
      errors: [
        {
          field: 'definition',
          messages: [
            'requiredConfigVars[0].useScopedConfigVar: no connection with stable key "nope-key" exists in this tenant; create it (same stable key) first',
          ],
        },
      ],
    });
    expect(await countByStableKey('validated')).toBe(0);
  });
});

describe('integrations query', () => {
  it('filters by name and stable key and sorts', async () => {
    await importOk(org.adminToken, definition('zeta-list', 'Listed Zeta'));
    await importOk(org.adminToken, definition('alpha-list', 'Listed Alpha'));
    const res = await gql(
      h.app,
      `{ integrations(name_Icontains: "listed", sortBy: [{ field: NAME, direction: DESC }]) { totalCount nodes { name } }
         exact: integrations(name: "Listed Alpha") { nodes { stableKey } }
         byKey: integrations(stableKey: "zeta-list") { nodes { name } } }`,
      {},
      org.adminToken,
    );
    expect(res.data).toEqual({
      integrations: { totalCount: 2, nodes: [{ name: 'Listed Zeta' }, { name: 'Listed Alpha' }] },
      exact: { nodes: [{ stableKey: 'alpha-list' }] },
      byKey: { nodes: [{ name: 'Listed Zeta' }] },
    });
  });
});

describe('deleteIntegration', () => {
  it('deletes an integration without instances', async () => {
    const integration = await importOk(org.adminToken, definition('delete-me'));
    const res = await gql(h.app, DELETE, { id: integration.id }, org.adminToken);
    expect(res.data.deleteIntegration).toEqual({ integration: { id: integration.id }, errors: [] });
    expect((await gql(h.app, READ, { id: integration.id }, org.adminToken)).errors?.[0]?.message).toBe('Record not found');
  });
});

describe('permissions and isolation', () => {
  let integrationId: string;
  beforeAll(async () => {
    integrationId = (await importOk(org.adminToken, definition('guarded', 'Guarded'))).id;
  });

  it.each([
    ['read', READ, {}],
    [
      're-import',
      IMPORT.replace('$input: ImportIntegrationInput!', '$id: ID!').replace('input: $input', 'input: { definition: "name: x", integrationId: $id }'),
      {},
    ],
    ['publish', PUBLISH, {}],
    ['delete', DELETE, {}],
  ])('another organization cannot %s it, and gets the same answer as for a missing id', async (_verb, document, vars) => {
    const foreign = await gql(h.app, document, { id: integrationId, ...vars }, other.adminToken);
    const absent = await gql(h.app, document, { id: missing, ...vars }, other.adminToken);
    expect(foreign).toEqual(absent);
    expect(foreign.errors?.[0]?.message).toBe('Record not found');
  });

  it('another organization does not see it in lists or through node(id:)', async () => {
    const list = await gql(h.app, `{ integrations(stableKey: "guarded") { totalCount } }`, {}, other.adminToken);
    expect(list.data.integrations.totalCount).toBe(0);
    const node = await gql(h.app, `query($id: ID!) { node(id: $id) { id } }`, { id: integrationId }, other.adminToken);
    expect(node.data).toEqual({ node: null });
  });

  it('members read integrations but cannot import, publish or delete', async () => {
    expect((await gql(h.app, READ, { id: integrationId }, org.memberToken)).data.integration).toEqual({ id: integrationId, name: 'Guarded' });
    const attempts = await Promise.all([
      gql(h.app, IMPORT, { input: { definition: definition('member-import') } }, org.memberToken),
      gql(h.app, PUBLISH, { id: integrationId }, org.memberToken),
      gql(h.app, DELETE, { id: integrationId }, org.memberToken),
    ]);
    expect(attempts.map((r) => r.errors?.[0]?.message)).toEqual([
      'You are not allowed to import integrations.',
      'You are not allowed to publish integrations.',
      'You are not allowed to delete integrations.',
    ]);
    expect(attempts.map((r) => r.errors?.[0]?.extensions?.code)).toEqual(['FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN']);
    expect(await countByStableKey('member-import')).toBe(0);
    const after = await gql(h.app, `query($id: ID!) { integration(id: $id) { versionNumber } }`, { id: integrationId }, org.adminToken);
    expect(after.data.integration.versionNumber).toBe(0);
  });

  it('customer users see no integrations', async () => {
    const customer = await seedCustomer(h.database.db, org.admin);
    const { token } = await org.customerUser(customer.id);
    expect((await gql(h.app, READ, { id: integrationId }, token)).errors?.[0]?.message).toBe('Record not found');
    expect((await gql(h.app, `{ integrations { totalCount } }`, {}, token)).data.integrations.totalCount).toBe(0);
  });
});
