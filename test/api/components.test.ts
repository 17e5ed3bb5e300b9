import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeGlobalId } from '../../src/lib/global-id';
import { createHarness, gql, type Harness } from '../support/harness';
import { seedCustomer, seedOrg, type SeededOrg } from '../support/seed';

const BUILTIN_KEYS = ['acme-api', 'google-sheets', 'http', 'salesforce', 'sftp', 'zendesk'];
// Derived from the key alone (sha256 of "builtin-component:zendesk"): the same in every process and tenant.
const ZENDESK_ID = encodeGlobalId('Component', 'b093188c-a2f9-5f43-9977-e046fddd4907');
const MISSING_ID = encodeGlobalId('Component', '00000000-0000-4000-8000-0000000000ff');

const LIST = `query($key: String, $public: Boolean, $label: String, $first: Int, $offset: Int) {
  components(key: $key, public: $public, label_Icontains: $label, first: $first, offset: $offset) {
    totalCount nodes { id key label public }
  }
}`;
const IMPORT = `mutation($definition: String!) {
  importComponent(input: { definition: $definition }) {
    component { id key label description public connections { nodes { id key label default inputs { nodes { id key type required shown default } } } } }
    errors { field messages }
  }
}`;
const DELETE = `mutation($id: ID!) { deleteComponent(input: { id: $id }) { component { id key } errors { field messages } } }`;
const READ = `query($id: ID!) { component(id: $id) { id key } }`;
const NODE = `query($id: ID!) { node(id: $id) { id __typename } }`;

function privateYaml(key: string, label = 'Billing API', connectionKey = 'api-key') {
  return `key: ${key}
label: ${label}
description: Our own billing service.
connections:
  - key: ${connectionKey}
    label: API key
    authKind: api_key_header
    inputs:
      - { key: apiKey, label: API key, type: password, required: true }
      - { key: region, label: Region, type: STRING, shown: false, default: eu }
    baseUrl: "https://billing.example/{{ connection.region }}"
    apply:
      headers:
        X-Api-Key: "{{ connection.apiKey }}"
actions:
  - key: get-invoice
    label: Get invoice
    request: { method: GET, url: /invoices/1 }
`;
}

let h: Harness;
let orgA: SeededOrg;
let orgB: SeededOrg;
const queries: string[] = [];

beforeAll(async () => {
  h = createHarness({ onQuery: (sql) => queries.push(sql) });
  orgA = await seedOrg(h.database.db);
  orgB = await seedOrg(h.database.db);
});
afterAll(() => h.close());

async function importAs(token: string, definition: string) {
  return (await gql(h.app, IMPORT, { definition }, token)).data.importComponent;
}

async function privateCount(org: SeededOrg) {
  return (await gql(h.app, LIST, { public: false }, org.adminToken)).data.components.totalCount;
}

describe('built-in components', () => {
  it('are listed for every organization, public, with the same stable ids', async () => {
    const a = await gql(h.app, LIST, { public: true }, orgA.adminToken);
    const again = await gql(h.app, LIST, { public: true }, orgA.memberToken);
    const b = await gql(h.app, LIST, { public: true }, orgB.adminToken);
    expect(a.data.components.totalCount).toBe(6);
    expect(a.data.components.nodes.map((n: { key: string }) => n.key)).toEqual(BUILTIN_KEYS);
    expect(a.data.components.nodes.every((n: { public: boolean }) => n.public)).toBe(true);
    expect(again.data).toEqual(a.data);
    expect(b.data).toEqual(a.data);
    expect(a.data.components.nodes.at(-1)).toEqual({ id: ZENDESK_ID, key: 'zendesk', label: 'Zendesk', public: true });
  });

  it("return the catalog's connections and inputs", async () => {
    const res = await gql(
      h.app,
      `{ components(key: "zendesk") { totalCount nodes { key description actions { nodes { key label isTrigger isDataSource } } connections(first: 1) { totalCount nodes {
        key label default onPremiseAvailable oauth2Type component { id }
        inputs { totalCount nodes { key label type required shown default example onPremiseControlled collection } } } } } } }`,
      {},
      orgB.adminToken,
    );
    expect(res.errors).toBeUndefined();
    const input = (key: string, label: string, type: string, example: string | null = null) => ({
      key,
      label,
      type,
      required: true,
      shown: true,
      default: null,
      example,
      onPremiseControlled: false,
      collection: null,
    });
    expect(res.data.components).toEqual({
      totalCount: 1,
      nodes: [
        {
          key: 'zendesk',
          description: 'Zendesk Support tickets (REST API v2).',
          actions: {
            nodes: [
              { key: 'list-tickets', label: 'List tickets', isTrigger: false, isDataSource: false },
              { key: 'create-ticket', label: 'Create ticket', isTrigger: false, isDataSource: false },
            ],
          },
          connections: {
            totalCount: 2,
            nodes: [
              {
                key: 'api-token',
                label: 'API token',
                default: true,
                onPremiseAvailable: false,
                oauth2Type: null,
                component: { id: ZENDESK_ID },
                inputs: {
                  totalCount: 3,
                  nodes: [
                    input('subdomain', 'Subdomain', 'STRING', 'acme'),
                    input('email', 'Agent email', 'STRING'),
                    input('apiToken', 'API token', 'PASSWORD'),
                  ],
                },
              },
            ],
          },
        },
      ],
    });
  });

  it('report OAuth2 connections, mark only the first connection default, and page connections', async () => {
    const sheets = await gql(h.app, `{ components(key: "google-sheets") { nodes { connections { nodes { key oauth2Type } } } } }`, {}, orgA.adminToken);
    expect(sheets.data.components.nodes[0].connections.nodes).toEqual([{ key: 'oauth2', oauth2Type: 'AUTHORIZATION_CODE' }]);
    const http = await gql(
      h.app,
      `{ components(key: "http") { nodes { all: connections { nodes { key default oauth2Type } } page: connections(first: 2, offset: 3) { totalCount nodes { key } pageInfo { hasNextPage hasPreviousPage } } } } }`,
      {},
      orgA.adminToken,
    );
    const node = http.data.components.nodes[0];
    expect(node.all.nodes).toEqual([
      { key: 'none', default: true, oauth2Type: null },
      { key: 'api-key-header', default: false, oauth2Type: null },
      { key: 'basic', default: false, oauth2Type: null },
      { key: 'bearer', default: false, oauth2Type: null },
      { key: 'oauth2-client-credentials', default: false, oauth2Type: 'CLIENT_CREDENTIALS' },
      { key: 'oauth2-authorization-code', default: false, oauth2Type: 'AUTHORIZATION_CODE' },
    ]);
    expect(node.page).toEqual({
      totalCount: 6,
      nodes: [{ key: 'bearer' }, { key: 'oauth2-client-credentials' }],
      pageInfo: { hasNextPage: true, hasPreviousPage: true },
    });
  });

  it('resolve through component(id:) and node(id:), including their connections and input fields', async () => {
    const ids = await gql(h.app, `{ components(key: "zendesk") { nodes { connections { nodes { id inputs { nodes { id } } } } } } }`, {}, orgA.adminToken);
    const connection = ids.data.components.nodes[0].connections.nodes[0];
    const res = await gql(
      h.app,
      `query($c: ID!, $conn: ID!, $input: ID!) {
        component(id: $c) { key }
        a: node(id: $c) { __typename ... on Component { key } }
        b: node(id: $conn) { __typename ... on Connection { key component { key } } }
        c: node(id: $input) { __typename ... on InputField { key type } }
      }`,
      { c: ZENDESK_ID, conn: connection.id, input: connection.inputs.nodes[2].id },
      orgB.adminToken,
    );
    expect(res.data).toEqual({
      component: { key: 'zendesk' },
      a: { __typename: 'Component', key: 'zendesk' },
      b: { __typename: 'Connection', key: 'api-token', component: { key: 'zendesk' } },
      c: { __typename: 'InputField', key: 'apiToken', type: 'PASSWORD' },
    });
  });

  it('cannot be deleted, even by an admin', async () => {
    const res = await gql(h.app, DELETE, { id: ZENDESK_ID }, orgA.adminToken);
    expect(res.errors?.map((e) => [e.message, e.extensions?.code])).toEqual([['You are not allowed to delete a built-in component.', 'FORBIDDEN']]);
    expect((await gql(h.app, READ, { id: ZENDESK_ID }, orgA.adminToken)).data.component).toEqual({ id: ZENDESK_ID, key: 'zendesk' });
  });

  it('rejects an id of another type with a clear error', async () => {
    const customer = await seedCustomer(h.database.db, orgA.admin);
    const res = await gql(h.app, READ, { id: encodeGlobalId('Customer', customer.id) }, orgA.adminToken);
    expect(res.errors?.[0]).toMatchObject({ message: expect.stringContaining('is not a Component id'), extensions: { code: 'BAD_USER_INPUT' } });
  });
});

describe('importComponent', () => {
  it('adds a private component that its organization sees after the built-ins', async () => {
    const org = await seedOrg(h.database.db);
    const res = await importAs(org.adminToken, privateYaml('billing'));
    expect(res.errors).toEqual([]);
    const component = res.component;
    expect(component).toMatchObject({ key: 'billing', label: 'Billing API', description: 'Our own billing service.', public: false });
    expect(component.connections.nodes).toEqual([
      {
        id: expect.any(String),
        key: 'api-key',
        label: 'API key',
        default: true,
        inputs: {
          nodes: [
            { id: expect.any(String), key: 'apiKey', type: 'PASSWORD', required: true, shown: true, default: null },
            { id: expect.any(String), key: 'region', type: 'STRING', required: false, shown: false, default: 'eu' },
          ],
        },
      },
    ]);
    await importAs(org.adminToken, privateYaml('audit-log', 'Audit log'));
    const all = await gql(h.app, LIST, {}, org.memberToken);
    expect(all.data.components.totalCount).toBe(8);
    expect(all.data.components.nodes.map((n: { key: string; public: boolean }) => `${n.key}:${n.public}`)).toEqual([
      ...BUILTIN_KEYS.map((key) => `${key}:true`),
      'audit-log:false',
      'billing:false',
    ]);
    const across = await gql(h.app, LIST, { first: 2, offset: 5 }, org.adminToken);
    expect(across.data.components.nodes.map((n: { key: string }) => n.key)).toEqual(['zendesk', 'audit-log']);
    const byLabel = await gql(h.app, LIST, { label: 'BILLING' }, org.adminToken);
    expect(byLabel.data.components).toEqual({ totalCount: 1, nodes: [{ id: component.id, key: 'billing', label: 'Billing API', public: false }] });
    const read = await gql(h.app, READ, { id: component.id }, org.adminToken);
    expect(read.data.component).toEqual({ id: component.id, key: 'billing' });
  });

  it('keeps a private component invisible to other organizations, exactly like a missing id', async () => {
    const res = await importAs(orgA.adminToken, privateYaml('secret-crm', 'Secret CRM'));
    const component = res.component;
    const connection = component.connections.nodes[0];
    const input = connection.inputs.nodes[0];
    for (const id of [component.id, connection.id, input.id]) {
      expect((await gql(h.app, NODE, { id }, orgA.adminToken)).data.node).toMatchObject({ id });
      expect((await gql(h.app, NODE, { id }, orgB.adminToken)).data).toEqual({ node: null });
    }
    const foreign = await gql(h.app, READ, { id: component.id }, orgB.adminToken);
    expect(foreign.errors?.map((e) => e.message)).toEqual(['Record not found']);
    expect(foreign).toEqual(await gql(h.app, READ, { id: MISSING_ID }, orgB.adminToken));
    expect(await gql(h.app, DELETE, { id: component.id }, orgB.adminToken)).toEqual(await gql(h.app, DELETE, { id: MISSING_ID }, orgB.adminToken));
    const listed = await gql(h.app, LIST, { key: 'secret-crm' }, orgB.adminToken);
    expect(listed.data.components).toEqual({ totalCount: 0, nodes: [] });
    const byLabel = await gql(h.app, LIST, { label: 'secret' }, orgB.adminToken);
    expect(byLabel.data.components).toEqual({ totalCount: 0, nodes: [] });
    // The same key in another organization is a different component.
    const own = await importAs(orgB.adminToken, privateYaml('secret-crm', 'Not so secret'));
    expect(own.errors).toEqual([]);
    expect(own.component.id).not.toBe(component.id);
    expect((await gql(h.app, READ, { id: component.id }, orgA.adminToken)).data.component).toEqual({ id: component.id, key: 'secret-crm' });
  });

  const invalid: [string, string, string[]][] = [
    ['a YAML syntax error, naming the line', 'key: broken\nlabel: "Broken\n', ['line 3, column 1: Missing closing "quote']],
    [
      'shape errors, with the path of each value',
      privateYaml('bad-shape')
        .replace('{ key: apiKey, label: API key, type: password, required: true }', '{ key: 2fa, label: API key, type: password }')
        .replace('type: STRING, shown', 'type: dropdown, shown'),
      [
        'connections[0].inputs[0].key: must be an identifier (letters, digits, "_"; not starting with a digit)',
        `connections[0].inputs[1].type: unknown input type "DROPDOWN"; expected one of BOOLEAN, CODE, CONDITIONAL, CONNECTION, DATA, DATE, DYNAMICFIELDSELECTION, DYNAMICOBJECTSELECTION, FLOW, JSONFORM, OBJECTFIELDMAP, OBJECTSELECTION, PASSWORD, STRING, TEMPLATE, TEXT, TIMESTAMP`,
      ],
    ],
    [
      'rule errors, with the path of each value',
      privateYaml('bad-rules').replace('shown: false, default: eu', 'shown: false').replace('{ key: region, label: Region', '{ key: apiKey, label: Region'),
      [
        'connections[0].inputs[1].key: duplicate input key "apiKey" (first at connections[0].inputs[0].key)',
        'connections[0].inputs[1].default: a hidden input (shown: false) needs a default, since nobody can enter it',
        'connections[0].baseUrl: "connection.region" does not exist; known: apiKey',
      ],
    ],
    [
      'a JSON definition with a bad key and an empty label',
      JSON.stringify({ key: 'Bad Key', label: ' ' }),
      ['key: must be a slug: lowercase letters, digits and "-", starting with a letter', 'label: must not be empty'],
    ],
    ['a document that is not a mapping', '- a\n- b\n', ['Invalid input: expected object, received array']],
    ['an empty definition', '  \n', ['This field is required.']],
    ['the key of a built-in component', privateYaml('zendesk'), ['key: "zendesk" is a built-in component']],
  ];
  it.each(invalid)('rejects %s in the payload and writes nothing', async (_label, definition, messages) => {
    const before = await privateCount(orgA);
    const res = await gql(h.app, IMPORT, { definition }, orgA.adminToken);
    expect(res.errors).toBeUndefined();
    expect(res.data.importComponent).toEqual({ component: null, errors: [{ field: 'definition', messages }] });
    expect(await privateCount(orgA)).toBe(before);
  });

  it('replaces the definition when the same key is imported again, keeping the id', async () => {
    const first = (await importAs(orgA.adminToken, privateYaml('replaced', 'Version one', 'old-auth'))).component;
    const second = await importAs(orgA.adminToken, privateYaml('replaced', 'Version two', 'new-auth'));
    expect(second.errors).toEqual([]);
    expect(second.component.id).toBe(first.id);
    const res = await gql(h.app, `{ components(key: "replaced") { totalCount nodes { id label connections { nodes { key } } } } }`, {}, orgA.adminToken);
    expect(res.data.components).toEqual({
      totalCount: 1,
      nodes: [{ id: first.id, label: 'Version two', connections: { nodes: [{ key: 'new-auth' }] } }],
    });
    // The old connection's id no longer resolves; the new one's does.
    expect((await gql(h.app, NODE, { id: first.connections.nodes[0].id }, orgA.adminToken)).data).toEqual({ node: null });
    expect((await gql(h.app, NODE, { id: second.component.connections.nodes[0].id }, orgA.adminToken)).data.node).toEqual({
      id: second.component.connections.nodes[0].id,
      __typename: 'Connection',
    });
  });

  it('leaves exactly one row when the same key is imported concurrently', async () => {
    const labels = Array.from({ length: 8 }, (_, i) => `Racer ${i}`);
    const results = await Promise.all(labels.map((label) => importAs(orgA.adminToken, privateYaml('racing', label))));
    expect(results.map((r) => r.errors)).toEqual(labels.map(() => []));
    expect(new Set(results.map((r) => r.component.id)).size).toBe(1);
    const res = await gql(h.app, LIST, { key: 'racing' }, orgA.adminToken);
    expect(res.data.components.totalCount).toBe(1);
    expect(labels).toContain(res.data.components.nodes[0].label);
  });

  it('is for admins: a member or a customer user gets FORBIDDEN and nothing is written', async () => {
    const before = await privateCount(orgA);
    const member = await gql(h.app, IMPORT, { definition: privateYaml('member-made') }, orgA.memberToken);
    expect(member.errors?.map((e) => [e.message, e.extensions?.code])).toEqual([['You are not allowed to import components.', 'FORBIDDEN']]);
    const customer = await seedCustomer(h.database.db, orgA.admin);
    const { token } = await orgA.customerUser(customer.id);
    const byCustomer = await gql(h.app, IMPORT, { definition: privateYaml('customer-made') }, token);
    expect(byCustomer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await privateCount(orgA)).toBe(before);
  });
});

describe('deleteComponent', () => {
  it('deletes a private component; a second delete is "Record not found"; members cannot delete', async () => {
    const component = (await importAs(orgA.adminToken, privateYaml('doomed'))).component;
    const byMember = await gql(h.app, DELETE, { id: component.id }, orgA.memberToken);
    expect(byMember.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const first = await gql(h.app, DELETE, { id: component.id }, orgA.adminToken);
    expect(first.data.deleteComponent).toEqual({ component: { id: component.id, key: 'doomed' }, errors: [] });
    const second = await gql(h.app, DELETE, { id: component.id }, orgA.adminToken);
    expect(second.errors?.map((e) => e.message)).toEqual(['Record not found']);
    expect((await gql(h.app, LIST, { key: 'doomed' }, orgA.adminToken)).data.components.totalCount).toBe(0);
  });
});

describe('Component.actions', () => {
  const ACTIONS = `query($key: String, $trigger: Boolean, $after: String, $order: ActionOrder) {
    components(key: $key) { nodes { actions(isTrigger: $trigger, first: 1, after: $after, orderBy: $order) {
      totalCount nodes { id key label isTrigger isDataSource component { key } inputs { nodes { id key } } } pageInfo { hasNextPage endCursor } } } }
  }`;
  const actionsOf = async (token: string, variables: Record<string, unknown>) =>
    (await gql(h.app, ACTIONS, variables, token)).data.components.nodes[0]?.actions;

  it('pages, sorts and filters by kind; ids resolve through node for the owner only', async () => {
    const first = await actionsOf(orgA.adminToken, { key: 'zendesk', after: '', order: { field: 'LABEL', direction: 'ASC' } });
    expect(first.totalCount).toBe(2);
    expect(first.nodes.map((a: { key: string }) => a.key)).toEqual(['create-ticket']);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = await actionsOf(orgA.adminToken, { key: 'zendesk', after: first.pageInfo.endCursor, order: { field: 'LABEL', direction: 'ASC' } });
    expect(second.nodes.map((a: { key: string }) => a.key)).toEqual(['list-tickets']);
    expect(second.pageInfo.hasNextPage).toBe(false);
    expect((await actionsOf(orgA.adminToken, { key: 'zendesk', trigger: true })).totalCount).toBe(0);

    await importAs(orgA.adminToken, privateYaml('billing-actions'));
    const [action] = (await actionsOf(orgA.adminToken, { key: 'billing-actions', trigger: false })).nodes;
    expect(action).toMatchObject({ key: 'get-invoice', label: 'Get invoice', isTrigger: false, isDataSource: false, component: { key: 'billing-actions' } });
    expect((await gql(h.app, NODE, { id: action.id }, orgA.adminToken)).data.node).toEqual({ id: action.id, __typename: 'Action' });
    expect((await gql(h.app, NODE, { id: action.id }, orgB.adminToken)).data.node).toBeNull();
  });
});

describe('query cost', () => {
  it('lists components with connections and inputs in two SQL statements', async () => {
    const org = await seedOrg(h.database.db);
    await importAs(org.adminToken, privateYaml('one'));
    await importAs(org.adminToken, privateYaml('two'));
    queries.length = 0;
    const res = await gql(
      h.app,
      `{ components { totalCount nodes { key connections { nodes { key component { key } inputs { nodes { key type } } } } } } }`,
      {},
      org.adminToken,
    );
    expect(res.data.components.totalCount).toBe(8);
    // Authentication (token lookup and last-used update) is not part of the query.
    const componentQueries = queries.filter((sql) => sql.includes('"components"'));
    expect(componentQueries).toHaveLength(2);
  });
});
