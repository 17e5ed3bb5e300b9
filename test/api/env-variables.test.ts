import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envVariables } from '../../src/db/tables';
import { encodeGlobalId } from '../../src/lib/global-id';
import { createHarness, gql, type Harness } from '../support/harness';
import { seedCustomer, seedOrg, type SeededOrg } from '../support/seed';

const FIELDS = `id name valueType isSecret value hasValue`;
const CREATE = `mutation($input: CreateEnvVariableInput!) { createEnvVariable(input: $input) { envVariable { ${FIELDS} } errors { field messages } } }`;
const UPDATE = `mutation($input: UpdateEnvVariableInput!) { updateEnvVariable(input: $input) { envVariable { ${FIELDS} } errors { field messages } } }`;
const DELETE = `mutation($id: ID!) { deleteEnvVariable(input: { id: $id }) { envVariable { name } errors { field messages } } }`;
const BY_ID = `query($id: ID!) { envVariable(id: $id) { ${FIELDS} } }`;
const BY_NAME = `query($name: String!) { envVariable(name: $name) { ${FIELDS} } }`;
const LIST = `query($name: String) { envVariables(name: $name) { totalCount nodes { ${FIELDS} } } }`;

let h: Harness;
let org: SeededOrg;
const responses: string[] = [];

/** Every response goes through here, so the secret search covers all of them. */
async function call(query: string, variables: Record<string, unknown>, token = org.adminToken) {
  const res = await gql(h.app, query, variables, token);
  responses.push(JSON.stringify(res));
  return res;
}

const rowsNamed = (orgId: string, name: string) =>
  h.database.db
    .select()
    .from(envVariables)
    .where(eq(envVariables.orgId, orgId))
    .then((rows) => rows.filter((r) => r.name === name));

const unique = (prefix: string) => `${prefix}_${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  h = createHarness();
  org = await seedOrg(h.database.db);
});
afterAll(() => h.close());

describe('createEnvVariable', () => {
  it('stores a JSON value that reads back as the same JSON text, by id, by name and in the list', async () => {
    const name = unique('FlowNameAuthenticationIds');
    const value = JSON.stringify({ customer_1: { zendesk_auth_id: '12345678' } });
    const created = await call(CREATE, { input: { name, value, valueType: 'JSON' } });
    expect(created.data.createEnvVariable).toMatchObject({ envVariable: { name, value, valueType: 'JSON', isSecret: false, hasValue: true }, errors: [] });
    const id = created.data.createEnvVariable.envVariable.id;
    expect((await call(BY_ID, { id })).data.envVariable.value).toBe(value);
    expect((await call(BY_NAME, { name })).data.envVariable.id).toBe(id);
    expect((await call(LIST, { name })).data.envVariables).toEqual({ totalCount: 1, nodes: [created.data.createEnvVariable.envVariable] });
  });

  it.each([
    ['a name with a space', { name: 'Flow Name', value: 'x', valueType: 'STRING' }, 'name', /"Flow Name" is not a valid name: .*no spaces/],
    ['a name starting with a digit', { name: '1abc', value: 'x', valueType: 'STRING' }, 'name', /"1abc" is not a valid name/],
    ['an empty name', { name: '', value: 'x', valueType: 'STRING' }, 'name', /This field is required/],
    ['JSON that does not parse', { name: 'BadJson', value: '{"a": 1', valueType: 'JSON' }, 'value', /Must be JSON text/],
  ])('refuses %s with an error naming the field and writes nothing', async (_label, input, field, message) => {
    const res = await call(CREATE, { input });
    expect(res.data.createEnvVariable.envVariable).toBeNull();
    expect(res.data.createEnvVariable.errors).toHaveLength(1);
    expect(res.data.createEnvVariable.errors[0].field).toBe(field);
    expect(res.data.createEnvVariable.errors[0].messages[0]).toMatch(message);
    expect(await rowsNamed(org.orgId, input.name)).toEqual([]);
  });

  it('refuses a duplicate name in the organization, also when created concurrently, leaving one row', async () => {
    const name = unique('Dup');
    const results = await Promise.all([1, 2, 3].map((n) => call(CREATE, { input: { name, value: `v${n}`, valueType: 'STRING' } })));
    const refused = results.filter((r) => r.data.createEnvVariable.envVariable === null);
    expect(refused).toHaveLength(2);
    for (const r of refused) {
      expect(r.data.createEnvVariable.errors).toEqual([{ field: 'name', messages: [`An env variable named "${name}" already exists in this organization.`] }]);
    }
    expect(await rowsNamed(org.orgId, name)).toHaveLength(1);
    // Another organization may use the same name.
    const other = await seedOrg(h.database.db);
    expect((await call(CREATE, { input: { name, value: 'x', valueType: 'STRING' } }, other.adminToken)).data.createEnvVariable.errors).toEqual([]);
  });
});

describe('secret env variables', () => {
  const SECRET = `env-secret-${randomUUID()}`;

  it('are sealed, answer value null and hasValue true everywhere, and appear in no response', async () => {
    const name = unique('Secret');
    const created = await call(CREATE, { input: { name, value: SECRET, valueType: 'STRING', isSecret: true } });
    expect(created.data.createEnvVariable.envVariable).toMatchObject({ name, isSecret: true, value: null, hasValue: true });
    const id = created.data.createEnvVariable.envVariable.id;
    expect((await call(BY_ID, { id })).data.envVariable).toMatchObject({ value: null, hasValue: true });
    expect((await call(LIST, { name })).data.envVariables.nodes[0]).toMatchObject({ value: null, hasValue: true });
    // Renaming keeps it secret; a failed update that carries the secret does not echo it either.
    expect((await call(UPDATE, { input: { id, name: `${name}_2` } })).data.updateEnvVariable.envVariable).toMatchObject({ value: null });
    await call(UPDATE, { input: { id, value: SECRET, valueType: 'JSON' } });
    const [row] = await rowsNamed(org.orgId, `${name}_2`);
    expect(JSON.stringify(row)).not.toContain(SECRET);
    for (const response of responses) expect(response).not.toContain(SECRET);
  });

  it('become readable only with a new value', async () => {
    const name = unique('Secret');
    const created = await call(CREATE, { input: { name, value: SECRET, valueType: 'STRING', isSecret: true } });
    const id = created.data.createEnvVariable.envVariable.id;
    const refused = await call(UPDATE, { input: { id, isSecret: false } });
    expect(refused.data.updateEnvVariable).toEqual({
      envVariable: null,
      errors: [{ field: 'isSecret', messages: ['A secret becomes readable only with a new value: give value too.'] }],
    });
    expect((await call(BY_ID, { id })).data.envVariable).toMatchObject({ isSecret: true, value: null });
    const opened = await call(UPDATE, { input: { id, isSecret: false, value: 'public now' } });
    expect(opened.data.updateEnvVariable.envVariable).toMatchObject({ isSecret: false, value: 'public now' });
    for (const response of responses) expect(response).not.toContain(SECRET);
  });
});

describe('updateEnvVariable and deleteEnvVariable', () => {
  it('validate like create (a new valueType needs its value) and write nothing on error', async () => {
    const name = unique('Upd');
    const id = (await call(CREATE, { input: { name, value: 'plain', valueType: 'STRING' } })).data.createEnvVariable.envVariable.id;
    const cases: [Record<string, unknown>, string][] = [
      [{ valueType: 'JSON' }, 'value'],
      [{ value: 'not json', valueType: 'JSON' }, 'value'],
      [{ name: 'has space' }, 'name'],
    ];
    for (const [fields, field] of cases) {
      const res = await call(UPDATE, { input: { id, ...fields } });
      expect(res.data.updateEnvVariable.envVariable).toBeNull();
      expect(res.data.updateEnvVariable.errors.map((e: { field: string }) => e.field)).toEqual([field]);
    }
    expect((await call(BY_ID, { id })).data.envVariable).toMatchObject({ name, value: 'plain', valueType: 'STRING' });
    const taken = unique('Taken');
    await call(CREATE, { input: { name: taken, value: 'x', valueType: 'STRING' } });
    expect((await call(UPDATE, { input: { id, name: taken } })).data.updateEnvVariable.errors).toEqual([
      { field: 'name', messages: [`An env variable named "${taken}" already exists in this organization.`] },
    ]);
    expect((await call(UPDATE, { input: { id, value: '[1,2]', valueType: 'JSON' } })).data.updateEnvVariable.envVariable).toMatchObject({
      value: '[1,2]',
      valueType: 'JSON',
    });
    expect((await call(DELETE, { id })).data.deleteEnvVariable.envVariable).toEqual({ name });
    expect(await rowsNamed(org.orgId, name)).toEqual([]);
  });
});

describe('permissions and isolation', () => {
  let id: string;
  let name: string;
  beforeAll(async () => {
    name = unique('Perm');
    id = (await call(CREATE, { input: { name, value: '{"a":1}', valueType: 'JSON' } })).data.createEnvVariable.envVariable.id;
  });

  it('members read but do not write', async () => {
    expect((await call(BY_ID, { id }, org.memberToken)).data.envVariable.value).toBe('{"a":1}');
    expect((await call(LIST, { name }, org.memberToken)).data.envVariables.totalCount).toBe(1);
    for (const [query, variables] of [
      [CREATE, { input: { name: unique('ByMember'), value: 'x', valueType: 'STRING' } }],
      [UPDATE, { input: { id, value: '{}' } }],
      [DELETE, { id }],
    ] as const) {
      expect((await call(query, variables, org.memberToken)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    expect((await call(BY_ID, { id })).data.envVariable.value).toBe('{"a":1}');
  });

  it('customer users read nothing', async () => {
    const customer = await seedCustomer(h.database.db, org.admin);
    const { token } = await org.customerUser(customer.id);
    for (const [query, variables] of [
      [BY_ID, { id }],
      [BY_NAME, { name }],
      [LIST, { name }],
    ] as const) {
      const res = await call(query, variables, token);
      expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(JSON.stringify(res.data ?? null)).not.toContain('"a":1');
    }
    expect((await call(`query($id: ID!) { node(id: $id) { id } }`, { id }, token)).data?.node ?? null).toBeNull();
  });

  it('another organization sees nothing, not even that the variable exists', async () => {
    const other = await seedOrg(h.database.db);
    const missing = encodeGlobalId('EnvVariable', randomUUID());
    const foreign = await call(BY_ID, { id }, other.adminToken);
    const unknown = await call(BY_ID, { id: missing }, other.adminToken);
    expect(foreign.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(foreign.errors?.[0]?.message).toBe(unknown.errors?.[0]?.message);
    expect((await call(BY_NAME, { name }, other.adminToken)).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await call(LIST, { name }, other.adminToken)).data.envVariables.totalCount).toBe(0);
    expect((await call(`query($id: ID!) { node(id: $id) { id } }`, { id }, other.adminToken)).data.node).toBeNull();
    for (const [query, variables] of [
      [UPDATE, { input: { id, value: '{}' } }],
      [DELETE, { id }],
    ] as const) {
      expect((await call(query, variables, other.adminToken)).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    }
    expect((await call(BY_ID, { id })).data.envVariable.value).toBe('{"a":1}');
  });
});

describe('definitions that read env variables', () => {
  const definition = (name: string) => `
name: Env reader
stableKey: ${name.toLowerCase()}
flows:
  - name: Daily
    stableKey: daily
    trigger: { type: schedule, cron: "0 6 * * *" }
    steps:
      - name: Define variables
        type: set-variables
        variables: { dic1: "{{ ${name} }}", other: "{{ env.${name}_ids.x }}" }
      - name: Each
        type: loop
        items: "{{ variables.dic1 }}"
        itemName: oneClient
        onError: continue
        steps:
          - name: Remember
            type: set-variables
            variables: { last: "{{ oneClient.zendesk_auth_id }}" }
`;

  it('are valid, with a warning per env variable the organization lacks, at validation and at import', async () => {
    const name = unique('Map');
    const validated = await call(
      `mutation($d: String!) { validateIntegrationSchema(input: { definition: $d }) { result { isValid } errors { field messages } warnings } }`,
      { d: definition(name) },
    );
    const expected = [
      `flows[0].steps[0].variables.dic1: env variable "${name}" does not exist in this organization yet; the step fails until it is created`,
      `flows[0].steps[0].variables.other: env variable "${name}_ids" does not exist in this organization yet; the step fails until it is created`,
    ];
    expect(validated.data.validateIntegrationSchema).toEqual({ result: { isValid: true }, errors: [], warnings: expected });
    const imported = await call(
      `mutation($d: String!) { importIntegration(input: { definition: $d }) { integration { id } errors { field messages } warnings } }`,
      { d: definition(name) },
    );
    expect(imported.data.importIntegration.integration).not.toBeNull();
    expect(imported.data.importIntegration.warnings).toEqual(expected);

    await call(CREATE, { input: { name, value: '{}', valueType: 'JSON' } });
    const again = await call(`mutation($d: String!) { validateIntegrationSchema(input: { definition: $d }) { warnings } }`, { d: definition(name) });
    expect(again.data.validateIntegrationSchema.warnings).toEqual([expected[1]]);
  });

  it('may not name a loop item env', async () => {
    const res = await call(`mutation($d: String!) { validateIntegrationSchema(input: { definition: $d }) { errors { field messages } } }`, {
      d: definition('X').replace('itemName: oneClient', 'itemName: env'),
    });
    expect(res.data.validateIntegrationSchema.errors[0].messages).toContain('flows[0].steps[1].itemName: "env" is reserved by the template scope');
  });
});
