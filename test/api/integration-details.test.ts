import { createHash, randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeGlobalId } from '../../src/lib/global-id';
import { apiKeyComponent } from '../support/components';
import { createHarness, gql, type Harness } from '../support/harness';
import { hookDefinition, importAndPublish } from '../support/integrations';
import { seedOrg, type SeededOrg } from '../support/seed';

// Integration, flow and component fields Prismatic clients read, and the definition format prism asks for.

let h: Harness;
let org: SeededOrg;
let other: SeededOrg;

const DETAILS = `query($id: ID!) {
  integration(id: $id) { isCodeNative avatarUrl overview customer { id } flows { nodes { stableKey stableId endpointSecurityType } } }
}`;
const UPDATE = `mutation($input: UpdateIntegrationInput!) { updateIntegration(input: $input) { integration { avatarUrl } errors { field messages } } }`;
const DEFINITION = `query($id: ID!, $version: Int, $format: IntegrationDefinitionFormat) {
  integration(id: $id) { definition(version: $version, format: $format) }
}`;
const IMPORT_COMPONENT = `mutation($d: String!) { importComponent(input: { definition: $d }) { component { key signature iconUrl } errors { field messages } } }`;
const COMPONENT = `query($key: String) { components(key: $key) { nodes { key signature iconUrl } } }`;

beforeAll(async () => {
  h = createHarness();
  org = await seedOrg(h.database.db);
  other = await seedOrg(h.database.db);
});
afterAll(() => h.close());

const avatarOf = async (id: string) =>
  (await h.database.db.execute<{ avatar_url: string | null }>(sql`select avatar_url from integrations where id = ${id}`)).rows[0]!.avatar_url;

describe('Integration and IntegrationFlow fields', () => {
  it('answers isCodeNative, overview, customer and each flow’s stableId and endpointSecurityType', async () => {
    const { id } = await importAndPublish(h.app, org.adminToken, hookDefinition({ name: 'Detailed' }));
    const res = await gql(h.app, DETAILS, { id }, org.adminToken);
    expect(res.data.integration).toEqual({
      isCodeNative: false,
      avatarUrl: null,
      overview: null,
      customer: null,
      flows: { nodes: [{ stableKey: 'hook', stableId: 'hook', endpointSecurityType: 'CUSTOMER_OPTIONAL' }] },
    });
  });

  it('stores avatarUrl with updateIntegration; a bad one names the field and writes nothing; other organizations get not found', async () => {
    const { id } = await importAndPublish(h.app, org.adminToken, hookDefinition({ name: 'Avatar' }));
    const url = 'https://cdn.vendor.example/avatars/sync.png';
    expect((await gql(h.app, UPDATE, { input: { id, avatarUrl: url } }, org.adminToken)).data.updateIntegration).toEqual({
      integration: { avatarUrl: url },
      errors: [],
    });
    const uuid = Buffer.from(id, 'base64').toString().split(':')[1]!;
    for (const bad of ['javascript:alert(1)', 'not a url']) {
      const refused = await gql(h.app, UPDATE, { input: { id, avatarUrl: bad, name: 'Renamed' } }, org.adminToken);
      expect(refused.data.updateIntegration.errors).toEqual([{ field: 'avatarUrl', messages: ['Must be an http(s) URL or a path starting with "/".'] }]);
    }
    expect(await avatarOf(uuid)).toBe(url);
    expect((await gql(h.app, DETAILS, { id }, org.adminToken)).data.integration.avatarUrl).toBe(url);

    const foreign = await gql(h.app, UPDATE, { input: { id, avatarUrl: 'https://evil.example/x.png' } }, other.adminToken);
    expect(foreign.errors?.map((e) => e.message)).toEqual(['Record not found']);
    expect(await avatarOf(uuid)).toBe(url);

    expect((await gql(h.app, UPDATE, { input: { id, avatarUrl: '' } }, org.adminToken)).data.updateIntegration.integration.avatarUrl).toBeNull();
  });
});

describe('updateIntegration as prism integrations:update sends it', () => {
  it('accepts an empty testConfigVariables list and customer: null; an unknown test value or customer is refused naming the field, nothing written', async () => {
    const { id } = await importAndPublish(h.app, org.adminToken, hookDefinition({ name: 'Updated by prism' }));
    const empty = await gql(h.app, UPDATE, { input: { id, name: 'Kept', testConfigVariables: [], customer: null } }, org.adminToken);
    expect(empty.data.updateIntegration.errors).toEqual([]);
    const inputs = [{ testConfigVariables: [{ key: 'Region', value: 'eu' }] }, { customer: encodeGlobalId('Customer', randomUUID()) }];
    for (const input of inputs) {
      const refused = await gql(h.app, UPDATE, { input: { id, name: 'Not kept', ...input } }, org.adminToken);
      expect(refused.data.updateIntegration.errors.map((e: { field: string }) => e.field)).toEqual(Object.keys(input));
    }
    expect((await gql(h.app, `query($id: ID!) { integration(id: $id) { name } }`, { id }, org.adminToken)).data.integration.name).toBe('Kept');
  });
});

describe('definition(version:) as prism integrations:export asks for it', () => {
  it("answers Prismatic's YAML for version 7, tenantflow's without it, and an error naming version for another", async () => {
    const { id } = await importAndPublish(h.app, org.adminToken, hookDefinition({ name: 'Exported' }));
    const prismatic = (await gql(h.app, DEFINITION, { id, version: 7 }, org.adminToken)).data.integration.definition as string;
    expect(prismatic).toMatch(/^definitionVersion: 7$/m);
    const own = (await gql(h.app, DEFINITION, { id }, org.adminToken)).data.integration.definition as string;
    expect(own).not.toContain('definitionVersion');
    expect(own).toContain('name: Exported');
    expect((await gql(h.app, DEFINITION, { id, version: 7, format: 'TENANTFLOW' }, org.adminToken)).data.integration.definition).toBe(own);

    const wrong = await gql(h.app, DEFINITION, { id, version: 6 }, org.adminToken);
    expect(wrong.data.integration.definition).toBeNull();
    expect(wrong.errors?.[0]?.extensions?.fields).toEqual([{ field: 'version', messages: ["Only Prismatic's definitionVersion 7 is written."] }]);
  });
});

describe('Component signature and iconUrl', () => {
  it('is the SHA-256 of the definition: equal across organizations for the same definition, new when an import changes it', async () => {
    const key = `billing-${Date.now()}`;
    const mine = (await gql(h.app, IMPORT_COMPONENT, { d: apiKeyComponent(key, 'Billing') }, org.adminToken)).data.importComponent.component;
    const theirs = (await gql(h.app, IMPORT_COMPONENT, { d: apiKeyComponent(key, 'Billing') }, other.adminToken)).data.importComponent.component;
    expect(mine.signature).toMatch(/^[0-9a-f]{64}$/);
    expect(theirs.signature).toBe(mine.signature);
    expect(mine.iconUrl).toBeNull();

    const changed = (await gql(h.app, IMPORT_COMPONENT, { d: apiKeyComponent(key, 'Billing v2') }, org.adminToken)).data.importComponent.component;
    expect(changed.signature).not.toBe(mine.signature);
    expect((await gql(h.app, COMPONENT, { key }, org.adminToken)).data.components.nodes).toEqual([{ key, signature: changed.signature, iconUrl: null }]);

    const builtin = (await gql(h.app, COMPONENT, { key: 'http' }, org.adminToken)).data.components.nodes[0];
    const again = (await gql(h.app, COMPONENT, { key: 'http' }, other.adminToken)).data.components.nodes[0];
    expect(builtin.signature).toBe(again.signature);
    expect(builtin.signature).not.toBe(createHash('sha256').update('').digest('hex'));
  });
});
