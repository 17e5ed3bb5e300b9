import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeGlobalId } from '../../src/lib/global-id';
import { createHarness, gql, type Harness } from '../support/harness';
import { deployInstance, hookDefinition, importAndPublish } from '../support/integrations';
import { seedCustomer, seedOrg, type SeededOrg } from '../support/seed';

// A withdrawn version (updateIntegrationVersionAvailability) takes no new instance: createInstance by
// version id, createInstance of an integration with nothing available, and the tenant-sync deploy plan.

let h: Harness;
let org: SeededOrg;
let other: SeededOrg;

const PUBLISH = `mutation($id: ID!) { publishIntegration(input: { id: $id }) { integrationVersion { id } errors { field messages } } }`;
const AVAILABILITY = `mutation($id: ID!, $available: Boolean!) {
  updateIntegrationVersionAvailability(input: { id: $id, available: $available }) { errors { field messages } }
}`;
const CREATE_INSTANCE = `mutation($input: CreateInstanceInput!) {
  createInstance(input: $input) { instance { id integration { id } } errors { field messages } }
}`;
const VERSIONS = `query($id: ID!) { integration(id: $id) { versionSequence { nodes { id versionNumber } } } }`;
const EXPORT = `query { exportBundle(includeCustomers: true) }`;
const PLAN = `query($b: String!) { planSync(bundle: $b) { items { kind key action fields } problems { kind object message } } }`;
const APPLY = `mutation($b: String!, $h: String!) { applySync(input: { bundle: $b, planHash: $h }) { errors { field messages } } }`;
const PLAN_HASH = `query($b: String!) { planSync(bundle: $b) { planHash } }`;

beforeAll(async () => {
  h = createHarness();
  org = await seedOrg(h.database.db);
  other = await seedOrg(h.database.db);
});
afterAll(() => h.close());

const setAvailable = async (versionId: string, available: boolean, token = org.adminToken) =>
  expect((await gql(h.app, AVAILABILITY, { id: versionId, available }, token)).data.updateIntegrationVersionAvailability.errors).toEqual([]);
const versionIds = async (id: string, token = org.adminToken) =>
  ((await gql(h.app, VERSIONS, { id }, token)).data.integration.versionSequence.nodes as { id: string; versionNumber: number }[]).map((v) => v.id);
const instanceCount = async (orgId: string) =>
  (await h.database.db.execute<{ n: number }>(sql`select count(*)::int as n from instances where org_id = ${orgId}`)).rows[0]!.n;

async function createInstance(integration: string, customerId: string, token = org.adminToken) {
  const input = { name: `i-${randomUUID().slice(0, 6)}`, integration, customer: encodeGlobalId('Customer', customerId) };
  return (await gql(h.app, CREATE_INSTANCE, { input }, token)).data?.createInstance;
}

describe('createInstance and version availability', () => {
  it('takes the latest available version id (as prism passes it); a withdrawn or older one is an error naming integration, nothing written', async () => {
    const { id } = await importAndPublish(h.app, org.adminToken, hookDefinition({ name: 'By version' }));
    expect((await gql(h.app, PUBLISH, { id }, org.adminToken)).data.publishIntegration.errors).toEqual([]);
    const [v2, v1] = await versionIds(id);
    const customer = await seedCustomer(h.database.db, org.admin);

    const byVersion = await createInstance(v2!, customer.id);
    expect(byVersion.errors).toEqual([]);
    expect(byVersion.instance.integration.id).toBe(id);

    const before = await instanceCount(org.orgId);
    const older = await createInstance(v1!, customer.id);
    expect(older).toEqual({
      instance: null,
      errors: [
        {
          field: 'integration',
          messages: ['Instances deploy the latest available version (2), not version 1: pass that version or the integration.'],
        },
      ],
    });
    await setAvailable(v2!, false);
    const withdrawn = await createInstance(v2!, customer.id);
    expect(withdrawn.errors).toEqual([
      { field: 'integration', messages: ['Version 2 is unavailable (withdrawn with updateIntegrationVersionAvailability): choose an available one.'] },
    ]);
    // v1 is now the latest available one.
    expect((await createInstance(v1!, customer.id)).errors).toEqual([]);

    await setAvailable(v1!, false);
    const noneAvailable = await createInstance(id, customer.id);
    expect(noneAvailable.errors).toEqual([
      {
        field: 'integration',
        messages: [
          'Every published version of this integration is unavailable: make one available (updateIntegrationVersionAvailability) or publish a new one.',
        ],
      },
    ]);
    expect(await instanceCount(org.orgId)).toBe(before + 1);
  });

  it("answers another organization's version id exactly like a missing one", async () => {
    const { id } = await importAndPublish(h.app, org.adminToken, hookDefinition({ name: 'Foreign version' }));
    const [v1] = await versionIds(id);
    const theirCustomer = await seedCustomer(h.database.db, other.admin);
    const foreign = await createInstance(v1!, theirCustomer.id, other.adminToken);
    const missing = await createInstance(encodeGlobalId('IntegrationVersion', randomUUID()), theirCustomer.id, other.adminToken);
    expect(foreign).toEqual({ instance: null, errors: [{ field: 'integration', messages: ['Record not found.'] }] });
    expect(missing).toEqual(foreign);
    expect(await instanceCount(other.orgId)).toBe(0);
  });
});

describe('tenant sync deploy plan', () => {
  it('compares with the latest available version and reports an instance whose every version is withdrawn', async () => {
    const source = await seedOrg(h.database.db);
    const stableKey = randomUUID();
    const { id } = await importAndPublish(h.app, source.adminToken, hookDefinition({ name: 'Synced', stableKey }));
    const customer = await seedCustomer(h.database.db, source.admin, { externalId: `ext-${randomUUID().slice(0, 6)}` });
    await deployInstance(h.app, source.adminToken, { integration: id, customer: encodeGlobalId('Customer', customer.id), name: 'Live' });
    const bundle = (await gql(h.app, EXPORT, {}, source.adminToken)).data.exportBundle as string;

    const target = await seedOrg(h.database.db);
    const planHash = (await gql(h.app, PLAN_HASH, { b: bundle }, target.adminToken)).data.planSync.planHash;
    expect((await gql(h.app, APPLY, { b: bundle, h: planHash }, target.adminToken)).data.applySync.errors).toEqual([]);
    const targetIntegration = (await gql(h.app, `{ integrations { nodes { id } } }`, {}, target.adminToken)).data.integrations.nodes[0].id;
    const instanceKey = `${customer.externalId}/${stableKey}/Live`;
    const plan = async () => (await gql(h.app, PLAN, { b: bundle }, target.adminToken)).data.planSync;
    const instanceItem = async () => (await plan()).items.find((item: { kind: string }) => item.kind === 'INSTANCE');

    // A withdrawn newer version is not what deploys take, so the instance on v1 is up to date.
    expect((await gql(h.app, PUBLISH, { id: targetIntegration }, target.adminToken)).data.publishIntegration.errors).toEqual([]);
    const [v2, v1] = await versionIds(targetIntegration, target.adminToken);
    await setAvailable(v2!, false, target.adminToken);
    expect(await instanceItem()).toEqual({ kind: 'INSTANCE', key: instanceKey, action: 'UNCHANGED', fields: [] });

    await setAvailable(v1!, false, target.adminToken);
    const blocked = await plan();
    expect(blocked.problems).toEqual([
      {
        kind: 'UNAVAILABLE_VERSION',
        object: `instance "${instanceKey}"`,
        message: `Every published version of integration "${stableKey}" in the target is unavailable: make one available (updateIntegrationVersionAvailability) or publish a new one, then sync again.`,
      },
    ]);
    expect(await instanceItem()).toMatchObject({ action: 'BLOCKED' });
  });
});
