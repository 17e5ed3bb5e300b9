import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeGlobalId } from '../../src/lib/global-id';
import { createHarness, gql, type Harness } from '../support/harness';
import { hookDefinition, importAndPublish } from '../support/integrations';
import { seedCustomer, seedOrg, type SeededOrg } from '../support/seed';

// updateInstance as Prismatic clients send it: moving to another version, flowConfigs, configMode, preserveDeployState.

let h: Harness;
let org: SeededOrg;
let other: SeededOrg;

const UPDATE = `mutation($input: UpdateInstanceInput!) { updateInstance(input: $input) { instance { id name deployedVersion needsDeploy } errors { field messages } } }`;
const DEPLOY = `mutation($id: ID!) { deployInstance(input: { id: $id }) { instance { deployedVersion needsDeploy } errors { field messages } } }`;
const PUBLISH = `mutation($id: ID!) { publishIntegration(input: { id: $id }) { errors { field messages } } }`;
const READ = `query($id: ID!) { instance(id: $id) { name deployedVersion needsDeploy } }`;
const VERSIONS = `query($id: ID!) { integration(id: $id) { versionSequence(sortBy: [{ field: VERSION_NUMBER, direction: ASC }]) { nodes { id versionNumber } } } }`;

const call = async (query: string, variables: Record<string, unknown>, token = org.adminToken) => gql(h.app, query, variables, token);
const read = async (id: string) => (await call(READ, { id })).data.instance;

async function versionIds(integrationId: string, token = org.adminToken): Promise<string[]> {
  return (await call(VERSIONS, { id: integrationId }, token)).data.integration.versionSequence.nodes.map((v: { id: string }) => v.id);
}

/** An integration published `versions` times and an instance of it deployed at the latest. */
async function deployedInstance(versions: number, owner = org) {
  const integration = await importAndPublish(h.app, owner.adminToken, hookDefinition({ name: 'Orders' }));
  for (let i = 1; i < versions; i++) expect((await call(PUBLISH, { id: integration.id }, owner.adminToken)).data.publishIntegration.errors).toEqual([]);
  const customer = await seedCustomer(h.database.db, owner.admin);
  const created = await call(
    `mutation($input: CreateInstanceInput!) { createInstance(input: $input) { instance { id } errors { field messages } } }`,
    { input: { name: 'Orders for one', integration: integration.id, customer: encodeGlobalId('Customer', customer.id) } },
    owner.adminToken,
  );
  const id = created.data.createInstance.instance.id as string;
  expect((await call(DEPLOY, { id }, owner.adminToken)).data.deployInstance.errors).toEqual([]);
  return { id, integration, versions: await versionIds(integration.id, owner.adminToken) };
}

beforeAll(async () => {
  h = createHarness();
  [org, other] = await Promise.all([seedOrg(h.database.db), seedOrg(h.database.db)]);
});
afterAll(() => h.close());

describe('updateInstance(integration:) moves the instance to another version of its integration', () => {
  it('pins an older version until the deploy installs it, stays there when newer ones are published, and follows the latest again when given the integration', async () => {
    const { id, integration, versions } = await deployedInstance(2);
    expect(await read(id)).toMatchObject({ deployedVersion: 2, needsDeploy: false });

    const moved = await call(UPDATE, { input: { id, integration: versions[0] } });
    expect(moved.data.updateInstance).toEqual({ instance: { id, name: 'Orders for one', deployedVersion: 2, needsDeploy: true }, errors: [] });
    expect((await call(DEPLOY, { id })).data.deployInstance).toEqual({ instance: { deployedVersion: 1, needsDeploy: false }, errors: [] });

    await call(PUBLISH, { id: integration.id });
    expect(await read(id)).toMatchObject({ deployedVersion: 1, needsDeploy: false });
    expect((await call(DEPLOY, { id })).data.deployInstance.instance.deployedVersion).toBe(1);

    const back = await call(UPDATE, { input: { id, integration: integration.id } });
    expect(back.data.updateInstance.instance).toMatchObject({ deployedVersion: 1, needsDeploy: true });
    expect((await call(DEPLOY, { id })).data.deployInstance).toEqual({ instance: { deployedVersion: 3, needsDeploy: false }, errors: [] });
  });

  it('refuses a version of another integration, of another organization, or a withdrawn one, naming `integration` and writing nothing', async () => {
    const { id, versions } = await deployedInstance(2);
    const elsewhere = await deployedInstance(1);
    const foreign = await deployedInstance(1, other);
    await call(`mutation($id: ID!) { updateIntegrationVersionAvailability(input: { id: $id, available: false }) { errors { field messages } } }`, {
      id: versions[0],
    });
    const missingVersion = encodeGlobalId('IntegrationVersion', '00000000-0000-4000-8000-0000000000cc');
    const attempts: [string, string][] = [
      [elsewhere.versions[0]!, 'Must be a version of this instance\'s integration "Orders": an instance cannot move to another integration.'],
      [elsewhere.integration.id, 'Must be a version of this instance\'s integration "Orders": an instance cannot move to another integration.'],
      [foreign.versions[0]!, 'Record not found.'],
      [missingVersion, 'Record not found.'],
      [versions[0]!, 'Version 1 is unavailable (withdrawn with updateIntegrationVersionAvailability): choose an available one.'],
      [encodeGlobalId('Customer', '00000000-0000-4000-8000-0000000000cc'), expect.stringContaining('is not an IntegrationVersion id') as unknown as string],
    ];
    for (const [integration, message] of attempts) {
      const res = await call(UPDATE, { input: { id, name: 'renamed', integration } });
      expect(res.data.updateInstance).toEqual({ instance: null, errors: [{ field: 'integration', messages: [message] }] });
    }
    expect(await read(id)).toEqual({ name: 'Orders for one', deployedVersion: 2, needsDeploy: false });
  });

  it('another organization cannot move, or learn of, the instance: the same answer as for a missing id', async () => {
    const { id, versions } = await deployedInstance(2);
    const foreign = await call(UPDATE, { input: { id, integration: versions[0] } }, other.adminToken);
    const absent = await call(
      UPDATE,
      { input: { id: encodeGlobalId('Instance', '00000000-0000-4000-8000-0000000000dd'), integration: versions[0] } },
      other.adminToken,
    );
    expect(foreign).toEqual(absent);
    expect(foreign.errors?.[0]?.message).toBe('Record not found');
    expect(await read(id)).toMatchObject({ deployedVersion: 2, needsDeploy: false });
  });

  it('preserveDeployState refuses a move that needs a deploy, and is accepted where nothing needs one', async () => {
    const { id, versions } = await deployedInstance(2);
    const refused = await call(UPDATE, { input: { id, integration: versions[0], preserveDeployState: true } });
    expect(refused.data.updateInstance).toEqual({
      instance: null,
      errors: [
        {
          field: 'preserveDeployState',
          messages: ['Moving to another version needs a deploy, so the deploy state cannot be preserved: leave it out, then deployInstance.'],
        },
      ],
    });
    const kept = await call(UPDATE, { input: { id, name: 'Renamed', integration: versions[1], preserveDeployState: true } });
    expect(kept.data.updateInstance).toEqual({ instance: { id, name: 'Renamed', deployedVersion: 2, needsDeploy: false }, errors: [] });
  });
});

describe('updateInstance(flowConfigs:, configMode:) as prism sends them', () => {
  it('accepts the flows of the instance with no API keys and configMode "INSTANCE" (prism setInstanceApiKeys)', async () => {
    const { id, integration } = await deployedInstance(1);
    const res = await call(
      `mutation($id: ID!, $flowConfigs: [InputInstanceFlowConfig]) {
        updateInstance(input: { id: $id, flowConfigs: $flowConfigs, configMode: "INSTANCE" }) {
          instance { id flowConfigs { nodes { apiKeys flow { id } } } } errors { field messages } } }`,
      { id, flowConfigs: [{ flowId: integration.flowIds.hook, apiKeys: [] }] },
    );
    expect(res.data.updateInstance).toEqual({
      instance: { id, flowConfigs: { nodes: [{ apiKeys: [], flow: { id: integration.flowIds.hook } }] } },
      errors: [],
    });
  });

  it('names flowConfigs for a flow of another integration, a repeated flow and API keys, and configMode for another mode; nothing is written', async () => {
    const { id, integration } = await deployedInstance(1);
    const elsewhere = await importAndPublish(h.app, org.adminToken, hookDefinition({ name: 'Elsewhere' }));
    const hook = integration.flowIds.hook;
    const res = await call(UPDATE, {
      input: {
        id,
        name: 'renamed',
        configMode: 'user_level',
        flowConfigs: [{ flowId: elsewhere.flowIds.hook }, { flowId: hook }, { flowId: hook, apiKeys: ['k-1'] }],
      },
    });
    expect(res.data.updateInstance).toEqual({
      instance: null,
      errors: [
        {
          field: 'configMode',
          messages: ['Must be INSTANCE: user-level values are user authentications of the connection (userAuthentication in the definition).'],
        },
        {
          field: 'flowConfigs',
          messages: [
            'Entry 1: flowId is not a flow of this instance\'s integration "Orders".',
            'Entry 3: flow "Hook" is given more than once.',
            'Entry 3: flow "Hook" cannot take apiKeys: its webhook URL carries an unguessable token instead; require signed calls with setInstanceFlowConfigSignature.',
          ],
        },
      ],
    });
    expect((await read(id)).name).toBe('Orders for one');
  });
});
