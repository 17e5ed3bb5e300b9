import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeGlobalId } from '../../src/lib/global-id';
import { createHarness, gql, type Harness } from '../support/harness';
import { hookDefinition, importAndPublish } from '../support/integrations';
import { seedCustomer, seedOrg, type SeededOrg } from '../support/seed';

let h: Harness;
let org: SeededOrg;
let other: SeededOrg;

const PUBLISH = `mutation($id: ID!, $attributes: String) {
  publishIntegration(input: { id: $id, attributes: $attributes }) {
    integration { versionNumber } integrationVersion { id versionNumber attributes } errors { field messages }
  }
}`;
const AVAILABILITY = `mutation($id: ID!, $available: Boolean!) {
  updateIntegrationVersionAvailability(input: { id: $id, available: $available }) {
    integration { id } integrationVersion { versionNumber versionIsAvailable } errors { field messages }
  }
}`;
const VERSIONS = `query($id: ID!, $available: Boolean) {
  integration(id: $id) { versionSequence(versionIsAvailable: $available) { nodes { id versionNumber versionIsAvailable attributes } } }
}`;
const LISTED = `query($available: Boolean) { integrations(versionIsAvailable: $available, first: 100) { nodes { id } } }`;
const CREATE_INSTANCE = `mutation($input: CreateInstanceInput!) { createInstance(input: $input) { instance { id } errors { field messages } } }`;
const DEPLOY = `mutation($id: ID!) {
  deployInstance(input: { id: $id }) { instance { deployedVersion } errors { field messages } }
}`;

beforeAll(async () => {
  h = createHarness();
  org = await seedOrg(h.database.db);
  other = await seedOrg(h.database.db);
});
afterAll(() => h.close());

const publish = async (id: string, attributes?: string, token = org.adminToken) =>
  (await gql(h.app, PUBLISH, { id, attributes }, token)).data.publishIntegration;
const versions = async (id: string, available?: boolean) =>
  (await gql(h.app, VERSIONS, { id, available }, org.adminToken)).data.integration.versionSequence.nodes as {
    id: string;
    versionNumber: number;
    versionIsAvailable: boolean;
    attributes: string | null;
  }[];
const setAvailable = (id: string, available: boolean, token = org.adminToken) => gql(h.app, AVAILABILITY, { id, available }, token);
const listed = async (available: boolean) =>
  ((await gql(h.app, LISTED, { available }, org.adminToken)).data.integrations.nodes as { id: string }[]).map((n) => n.id);

describe('publishIntegration attributes', () => {
  it('keeps the JSON object on the version and returns it; a non-object names the field and publishes nothing', async () => {
    const { id } = await importAndPublish(h.app, org.adminToken, hookDefinition({ name: 'Attributed' }));
    const attributes = { commitHash: randomUUID(), repoUrl: 'https://git.example.invalid/acme/sync' };
    const published = await publish(id, JSON.stringify(attributes));
    expect(published.errors).toEqual([]);
    expect(JSON.parse(published.integrationVersion.attributes)).toEqual(attributes);
    expect((await versions(id)).map((v) => [v.versionNumber, v.attributes && JSON.parse(v.attributes)])).toEqual([
      [2, attributes],
      [1, null],
    ]);

    for (const bad of ['not json', '[1,2]', '"text"']) {
      const refused = await publish(id, bad);
      expect(refused.errors).toEqual([{ field: 'attributes', messages: ['Must be a JSON object, e.g. {"commitUrl": "https://…"}.'] }]);
    }
    expect((await versions(id)).length).toBe(2);
  });
});

describe('updateIntegrationVersionAvailability', () => {
  it('withdraws a version from deploys and lists, and offers it again', async () => {
    const { id } = await importAndPublish(h.app, org.adminToken, hookDefinition({ name: 'Withdrawn' }));
    await publish(id);
    const [v2, v1] = await versions(id);
    const withdrawn = await setAvailable(v2!.id, false);
    expect(withdrawn.data.updateIntegrationVersionAvailability).toEqual({
      integration: { id },
      integrationVersion: { versionNumber: 2, versionIsAvailable: false },
      errors: [],
    });
    expect((await versions(id, true)).map((v) => v.versionNumber)).toEqual([1]);
    expect((await versions(id, false)).map((v) => v.versionNumber)).toEqual([2]);

    const customer = await seedCustomer(h.database.db, org.admin);
    const created = await gql(
      h.app,
      CREATE_INSTANCE,
      { input: { integration: id, customer: encodeGlobalId('Customer', customer.id), name: 'New one', configVariables: [] } },
      org.adminToken,
    );
    const instanceId = created.data.createInstance.instance.id;
    const onV1 = await gql(h.app, DEPLOY, { id: instanceId }, org.adminToken);
    expect(onV1.data.deployInstance).toEqual({ instance: { deployedVersion: 1 }, errors: [] });

    await setAvailable(v1!.id, false);
    expect(await listed(false)).toContain(id);
    expect(await listed(true)).not.toContain(id);
    const refused = await gql(h.app, DEPLOY, { id: instanceId }, org.adminToken);
    expect(refused.data.deployInstance.errors).toEqual([
      {
        field: 'id',
        messages: [
          'Every published version of this integration is unavailable: make one available (updateIntegrationVersionAvailability) or publish a new one.',
        ],
      },
    ]);

    await setAvailable(v2!.id, true);
    expect(await listed(true)).toContain(id);
    const onV2 = await gql(h.app, DEPLOY, { id: instanceId }, org.adminToken);
    expect(onV2.data.deployInstance.instance.deployedVersion).toBe(2);
  });

  it('refuses other organizations and members, changing nothing', async () => {
    const { id } = await importAndPublish(h.app, org.adminToken, hookDefinition({ name: 'Guarded versions' }));
    const [v1] = await versions(id);
    const byOther = await setAvailable(v1!.id, false, other.adminToken);
    expect(byOther.errors?.map((e) => e.message)).toEqual(['Record not found']);
    const byMember = await setAvailable(v1!.id, false, org.memberToken);
    expect(byMember.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const wrongType = await setAvailable(id, false);
    expect(wrongType.data.updateIntegrationVersionAvailability.errors.map((e: { field: string }) => e.field)).toEqual(['id']);
    expect((await versions(id)).map((v) => v.versionIsAvailable)).toEqual([true]);
    expect(await publish(id, '{"commitHash":"x"}', other.adminToken)).toBeNull();
  });
});
