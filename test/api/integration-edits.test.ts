import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeGlobalId } from '../../src/lib/global-id';
import { createHarness, gql, type Harness } from '../support/harness';
import { hookDefinition } from '../support/integrations';
import { seedCustomer, seedOrg, type SeededOrg } from '../support/seed';

let h: Harness;
let org: SeededOrg;
let other: SeededOrg;

const CREATE = `mutation($input: CreateIntegrationInput!) {
  createIntegration(input: $input) { integration { id name description versionNumber flows { totalCount } } errors { field messages } }
}`;
const UPDATE = `mutation($input: UpdateIntegrationInput!) {
  updateIntegration(input: $input) { integration { id name description definition } errors { field messages } }
}`;
const PUBLISH = `mutation($id: ID!) { publishIntegration(input: { id: $id }) { integration { versionNumber } errors { field messages } } }`;
const COUNT = `{ integrations { totalCount } }`;

beforeAll(async () => {
  h = createHarness();
  org = await seedOrg(h.database.db);
  other = await seedOrg(h.database.db);
});
afterAll(() => h.close());

const create = (token: string, input: Record<string, unknown>) => gql(h.app, CREATE, { input }, token);
const count = async (token: string) => (await gql(h.app, COUNT, {}, token)).data.integrations.totalCount as number;

describe('createIntegration', () => {
  it('creates an integration without flows that cannot be published until a definition is imported into it', async () => {
    const res = await create(org.adminToken, { name: 'Made by name', description: 'flows come later' });
    expect(res.data.createIntegration.errors).toEqual([]);
    const integration = res.data.createIntegration.integration;
    expect(integration).toMatchObject({ name: 'Made by name', description: 'flows come later', versionNumber: 0, flows: { totalCount: 0 } });
    const publish = await gql(h.app, PUBLISH, { id: integration.id }, org.adminToken);
    expect(publish.data.publishIntegration.errors).toEqual([
      { field: 'id', messages: ['This integration has no flows yet: import a definition into it (importIntegration with integrationId), then publish.'] },
    ]);
  });

  it('names the bad field and writes nothing; members and other organizations cannot create or update', async () => {
    const before = await count(org.adminToken);
    expect((await create(org.adminToken, { name: '  ' })).data.createIntegration.errors).toEqual([{ field: 'name', messages: ['This field is required.'] }]);
    const othersCustomer = await seedCustomer(h.database.db, other.admin);
    const forCustomer = await create(org.adminToken, { name: 'Mine', customer: encodeGlobalId('Customer', othersCustomer.id) });
    expect(forCustomer.data.createIntegration.errors).toEqual([{ field: 'customer', messages: ['Record not found.'] }]);
    expect((await create(org.memberToken, { name: 'By member' })).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await count(org.adminToken)).toBe(before);

    const id = (await create(org.adminToken, { name: 'Guarded' })).data.createIntegration.integration.id;
    const byOther = await gql(h.app, UPDATE, { input: { id, name: 'Stolen' } }, other.adminToken);
    expect(byOther.errors?.map((e) => e.message)).toEqual(['Record not found']);
    const byMember = await gql(h.app, UPDATE, { input: { id, name: 'Renamed' } }, org.memberToken);
    expect(byMember.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const read = await gql(h.app, `query($id: ID!) { integration(id: $id) { name } }`, { id }, org.adminToken);
    expect(read.data.integration.name).toBe('Guarded');
  });
});

describe('updateIntegration', () => {
  it('renames and redescribes the integration and its draft definition; an absent field stays', async () => {
    const id = (await create(org.adminToken, { name: 'Old name', description: 'old' })).data.createIntegration.integration.id;
    const renamed = await gql(h.app, UPDATE, { input: { id, name: 'New name' } }, org.adminToken);
    expect(renamed.data.updateIntegration.integration).toMatchObject({ name: 'New name', description: 'old' });
    expect(renamed.data.updateIntegration.integration.definition).toContain('name: New name');
    const cleared = await gql(h.app, UPDATE, { input: { id, description: null } }, org.adminToken);
    expect(cleared.data.updateIntegration.integration).toMatchObject({ name: 'New name', description: null });
    const blank = await gql(h.app, UPDATE, { input: { id, name: '' } }, org.adminToken);
    expect(blank.data.updateIntegration.errors).toEqual([{ field: 'name', messages: ['This field is required.'] }]);
  });
});

const FORK = `mutation($input: ForkIntegrationInput!) {
  forkIntegration(input: $input) {
    integration { id name description stableKey versionNumber definition flows { nodes { id stableKey } } } errors { field messages }
  }
}`;
const IMPORT = `mutation($d: String!) { importIntegration(input: { definition: $d }) { integration { id stableKey } errors { field messages } } }`;
const forkable = (stableKey: string) => hookDefinition({ name: 'Forkable', description: 'the parent', stableKey });

describe('forkIntegration', () => {
  it("starts a new integration with its own stable key from the parent's draft; importing the parent's key later leaves the fork alone", async () => {
    const parentKey = `parent-${randomUUID()}`;
    const parent = (await gql(h.app, IMPORT, { d: forkable(parentKey) }, org.adminToken)).data.importIntegration.integration;
    const res = await gql(h.app, FORK, { input: { parent: parent.id, name: 'The fork' } }, org.adminToken);
    expect(res.data.forkIntegration.errors).toEqual([]);
    const fork = res.data.forkIntegration.integration;
    expect(fork).toMatchObject({ name: 'The fork', description: 'the parent', versionNumber: 0 });
    expect(fork.id).not.toBe(parent.id);
    expect(fork.stableKey).not.toBe(parentKey);
    expect(fork.definition).toContain(`stableKey: ${fork.stableKey}`);
    expect(fork.flows.nodes.map((f: { stableKey: string }) => f.stableKey)).toEqual(['hook']);
    const publish = await gql(h.app, PUBLISH, { id: fork.id }, org.adminToken);
    expect(publish.data.publishIntegration).toEqual({ integration: { versionNumber: 1 }, errors: [] });

    const reimported = (await gql(h.app, IMPORT, { d: forkable(parentKey).replace('Forkable', 'Parent again') }, org.adminToken)).data.importIntegration;
    expect(reimported.integration.id).toBe(parent.id);
    const forkNow = await gql(h.app, `query($id: ID!) { integration(id: $id) { name } }`, { id: fork.id }, org.adminToken);
    expect(forkNow.data.integration.name).toBe('The fork');
  });

  it('names the bad field and writes nothing; other organizations and members cannot fork', async () => {
    const parent = (await gql(h.app, IMPORT, { d: forkable(`guarded-${randomUUID()}`) }, org.adminToken)).data.importIntegration.integration;
    const before = await count(org.adminToken);
    const blank = await gql(h.app, FORK, { input: { parent: parent.id, name: ' ' } }, org.adminToken);
    expect(blank.data.forkIntegration.errors).toEqual([{ field: 'name', messages: ['This field is required.'] }]);
    const badParent = await gql(h.app, FORK, { input: { parent: 'nonsense', name: 'X' } }, org.adminToken);
    expect(badParent.data.forkIntegration.errors.map((e: { field: string }) => e.field)).toEqual(['parent']);
    const byMember = await gql(h.app, FORK, { input: { parent: parent.id, name: 'By member' } }, org.memberToken);
    expect(byMember.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await count(org.adminToken)).toBe(before);

    const otherBefore = await count(other.adminToken);
    const byOther = await gql(h.app, FORK, { input: { parent: parent.id, name: 'Stolen' } }, other.adminToken);
    expect(byOther.errors?.map((e) => e.message)).toEqual(['Record not found']);
    expect(await count(other.adminToken)).toBe(otherBefore);
  });
});
