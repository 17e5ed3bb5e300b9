import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executions, instances, oauth2Tokens, type ExecutionStatus } from '../../src/db/tables';
import { decodeGlobalId, encodeGlobalId } from '../../src/lib/global-id';
import { instanceConfigVariableUuid } from '../../src/domain/instances';
import { storeGrant } from '../../src/domain/oauth2/tokens';
import { createHarness, gql, type Harness } from '../support/harness';
import { hookDefinition, importAndPublish } from '../support/integrations';
import { seedCustomer, seedOrg, type SeededOrg } from '../support/seed';

// Instance.inFailedState and isCustomerUpgradeable, instances(customer_ExternalId, needsDeploy, orderBy CUSTOMER), disconnectConnection.

let h: Harness;
let org: SeededOrg;
let other: SeededOrg;

const CREATE = `mutation($input: CreateInstanceInput!) { createInstance(input: $input) { instance { id } errors { field messages } } }`;
const DEPLOY = `mutation($id: ID!) { deployInstance(input: { id: $id }) { errors { field messages } } }`;
const PUBLISH = `mutation($id: ID!) { publishIntegration(input: { id: $id }) { errors { field messages } } }`;
const STATE = `query($id: ID!) { instance(id: $id) { inFailedState isCustomerUpgradeable needsDeploy } }`;

const call = (query: string, variables: Record<string, unknown>, token = org.adminToken) => gql(h.app, query, variables, token);
const uuid = (gid: string) => decodeGlobalId(gid)!.id;

async function newInstance(
  owner: SeededOrg,
  integrationId: string,
  opts: { externalId?: string; customerName?: string; deploy?: boolean; configVariables?: unknown[] } = {},
) {
  const customer = await seedCustomer(h.database.db, owner.admin, { name: opts.customerName, externalId: opts.externalId });
  const created = await call(
    CREATE,
    {
      input: {
        name: `For ${customer.name}`,
        integration: integrationId,
        customer: encodeGlobalId('Customer', customer.id),
        configVariables: opts.configVariables,
      },
    },
    owner.adminToken,
  );
  const id = created.data.createInstance.instance?.id as string;
  if (!id) throw new Error(JSON.stringify(created));
  if (opts.deploy !== false) expect((await call(DEPLOY, { id }, owner.adminToken)).data.deployInstance.errors).toEqual([]);
  return { id, customer };
}

async function run(instanceGid: string, flowStableKey: string, status: ExecutionStatus, minutesAgo: number) {
  const [row] = await h.database.db
    .select()
    .from(instances)
    .where(eq(instances.id, uuid(instanceGid)));
  await h.database.db.insert(executions).values({
    orgId: row!.orgId,
    integrationId: row!.integrationId,
    instanceId: row!.id,
    customerId: row!.customerId,
    flowStableKey,
    invokeType: 'WEBHOOK',
    status,
    trigger: { body: null, query: {}, headers: {} },
    createdAt: new Date(Date.now() - minutesAgo * 60_000),
  });
}

beforeAll(async () => {
  h = createHarness();
  [org, other] = await Promise.all([seedOrg(h.database.db), seedOrg(h.database.db)]);
});
afterAll(() => h.close());

describe('Instance.inFailedState', () => {
  it("is true while some flow's most recent finished run failed, and cleared by that flow's next success", async () => {
    const integration = await importAndPublish(h.app, org.adminToken, hookDefinition({ name: 'Orders' }));
    const quiet = await newInstance(org, integration.id);
    const recovered = await newInstance(org, integration.id);
    const failing = await newInstance(org, integration.id);
    await run(recovered.id, 'hook', 'FAILED', 3);
    await run(recovered.id, 'hook', 'SUCCEEDED', 2);
    await run(failing.id, 'other', 'FAILED', 3);
    await run(failing.id, 'hook', 'SUCCEEDED', 2);
    await run(failing.id, 'other', 'QUEUED', 1);
    const states = await Promise.all([quiet, recovered, failing].map(async ({ id }) => (await call(STATE, { id })).data.instance.inFailedState));
    expect(states).toEqual([false, false, true]);
    await run(failing.id, 'other', 'SUCCEEDED', 0);
    expect((await call(STATE, { id: failing.id })).data.instance.inFailedState).toBe(false);
  });
});

describe('Instance.isCustomerUpgradeable', () => {
  it('is true once a newer available version exists than the one the instance runs, and not for a withdrawn one', async () => {
    const integration = await importAndPublish(h.app, org.adminToken, hookDefinition({ name: 'Upgrades' }));
    const deployed = await newInstance(org, integration.id);
    const fresh = await newInstance(org, integration.id, { deploy: false });
    expect((await call(STATE, { id: deployed.id })).data.instance).toEqual({ inFailedState: false, isCustomerUpgradeable: false, needsDeploy: false });
    await call(PUBLISH, { id: integration.id });
    expect((await call(STATE, { id: deployed.id })).data.instance).toEqual({ inFailedState: false, isCustomerUpgradeable: true, needsDeploy: true });
    expect((await call(STATE, { id: fresh.id })).data.instance.isCustomerUpgradeable).toBe(false);
    const versions = await call(`query($id: ID!) { integration(id: $id) { versionSequence { nodes { id versionNumber } } } }`, { id: integration.id });
    const v2 = versions.data.integration.versionSequence.nodes.find((v: { versionNumber: number }) => v.versionNumber === 2).id;
    await call(`mutation($id: ID!) { updateIntegrationVersionAvailability(input: { id: $id, available: false }) { errors { field messages } } }`, { id: v2 });
    expect((await call(STATE, { id: deployed.id })).data.instance.isCustomerUpgradeable).toBe(false);
  });
});

describe('instances(customer_ExternalId, needsDeploy, orderBy: CUSTOMER)', () => {
  it("filters by the customer's external id and by needsDeploy within the caller's organization, and sorts by customer name", async () => {
    const integration = await importAndPublish(h.app, org.adminToken, hookDefinition({ name: 'Lists' }));
    const externalId = `ext-${Date.now()}`;
    const zeta = await newInstance(org, integration.id, { externalId, customerName: `Zeta ${externalId}` });
    const alpha = await newInstance(org, integration.id, { customerName: `Alpha ${externalId}`, deploy: false });
    const foreignIntegration = await importAndPublish(h.app, other.adminToken, hookDefinition({ name: 'Lists' }));
    await newInstance(other, foreignIntegration.id, { externalId });
    const LIST = `query($ext: String, $nd: Boolean, $integration: ID, $dir: OrderDirection!) {
      instances(customer_ExternalId: $ext, needsDeploy: $nd, integration: $integration, orderBy: { field: CUSTOMER, direction: $dir }) { nodes { id } } }`;
    const ids = async (vars: Record<string, unknown>) =>
      (await call(LIST, { integration: integration.id, dir: 'ASC', ...vars })).data.instances.nodes.map((n: { id: string }) => n.id);
    expect(await ids({ ext: externalId, integration: null })).toEqual([zeta.id]);
    expect(await ids({ nd: true })).toEqual([alpha.id]);
    expect(await ids({ nd: false })).toEqual([zeta.id]);
    expect(await ids({})).toEqual([alpha.id, zeta.id]);
    expect(await ids({ dir: 'DESC' })).toEqual([zeta.id, alpha.id]);
    expect(await ids({ ext: 'no-such-external-id', integration: null })).toEqual([]);
  });
});

describe('disconnectConnection', () => {
  const zendeskDefinition = (connection: string) => `name: Tickets ${connection}
stableKey: tickets-${connection}-${Date.now()}
requiredConfigVars:
  - key: Zendesk
    dataType: connection
    connection: { component: zendesk, key: ${connection} }
flows:
  - name: Hook
    stableKey: hook
    trigger: { type: webhook }
    steps:
      - { name: Forward, action: { component: http, key: http-request }, inputs: { url: "https://tickets.example.invalid/in" } }
`;
  const values = (entries: Record<string, string>) => JSON.stringify(Object.entries(entries).map(([name, value]) => ({ name, type: 'value', value })));
  const CONFIG = `query($id: ID!) { instance(id: $id) { configVariables { nodes { id key status inputs { nodes { name value hasValue } } } } } }`;
  const DISCONNECT = `mutation($id: ID!) { disconnectConnection(input: { id: $id }) {
    instanceConfigVariable { key status inputs { nodes { name hasValue } } } errors { field messages } } }`;
  const TOKEN = 'zd-api-token-canary-77aa';
  const newFormId = (instanceUuid: string, variableUuid: string) =>
    Buffer.from(`InstanceConfigVariable:${instanceUuid}:${variableUuid}`, 'utf8').toString('base64');

  it('drops an inline connection’s values (PENDING), writes nothing for another organization, and echoes no secret', async () => {
    const integration = await importAndPublish(h.app, org.adminToken, zendeskDefinition('api-token'));
    const { id } = await newInstance(org, integration.id, {
      configVariables: [{ key: 'Zendesk', values: values({ subdomain: 'acme', email: 'ops@acme.test', apiToken: TOKEN }) }],
    });
    const variable = (await call(CONFIG, { id })).data.instance.configVariables.nodes[0];
    expect(variable.status).toBe('ACTIVE');

    const foreign = await call(DISCONNECT, { id: variable.id }, other.adminToken);
    const absent = await call(DISCONNECT, { id: encodeGlobalId('InstanceConfigVariable', '00000000-0000-4000-8000-0000000000ff') }, other.adminToken);
    const absentInstance = await call(
      DISCONNECT,
      { id: newFormId('00000000-0000-4000-8000-0000000000ee', '00000000-0000-4000-8000-0000000000ff') },
      other.adminToken,
    );
    expect(foreign).toEqual(absent);
    expect(foreign).toEqual(absentInstance);
    expect(foreign.errors?.[0]?.message).toBe('Record not found');
    expect((await call(DISCONNECT, { id: variable.id }, org.memberToken)).errors?.[0]?.message).toMatch(/not allowed|permission|forbidden/i);
    expect((await call(CONFIG, { id })).data.instance.configVariables.nodes[0].status).toBe('ACTIVE');

    const res = await call(DISCONNECT, { id: variable.id });
    expect(res.data.disconnectConnection).toEqual({
      instanceConfigVariable: {
        key: 'Zendesk',
        status: 'PENDING',
        inputs: { nodes: ['subdomain', 'email', 'apiToken'].map((name) => ({ name, hasValue: false })) },
      },
      errors: [],
    });
    expect(JSON.stringify(res)).not.toContain(TOKEN);
  });

  it('finds the instance its id names, and still accepts an id of the earlier form, which named only the variable', async () => {
    const integration = await importAndPublish(h.app, org.adminToken, zendeskDefinition('api-token'));
    const connected = { configVariables: [{ key: 'Zendesk', values: values({ subdomain: 'acme', email: 'ops@acme.test', apiToken: TOKEN }) }] };
    const first = await newInstance(org, integration.id, connected);
    const second = await newInstance(org, integration.id, connected);
    const variableUuid = instanceConfigVariableUuid(uuid(first.id), { key: 'Zendesk' });
    const variable = (await call(CONFIG, { id: first.id })).data.instance.configVariables.nodes[0];
    expect(variable.id).toBe(newFormId(uuid(first.id), variableUuid));

    const elsewhere = await call(DISCONNECT, { id: newFormId(uuid(second.id), variableUuid) });
    expect(elsewhere.errors?.[0]?.message).toBe('Record not found');
    const statuses = async () => Promise.all([first, second].map(async ({ id }) => (await call(CONFIG, { id })).data.instance.configVariables.nodes[0].status));
    expect(await statuses()).toEqual(['ACTIVE', 'ACTIVE']);

    const earlier = await call(DISCONNECT, { id: encodeGlobalId('InstanceConfigVariable', variableUuid) });
    expect(earlier.data.disconnectConnection.instanceConfigVariable).toMatchObject({ key: 'Zendesk', status: 'PENDING' });
    expect(await statuses()).toEqual(['PENDING', 'ACTIVE']);
  });

  it('drops an inline OAuth 2.0 connection’s tokens and keeps its client inputs; a wrong id type names `id`', async () => {
    const integration = await importAndPublish(h.app, org.adminToken, zendeskDefinition('oauth2'));
    const { id, customer } = await newInstance(org, integration.id, {
      configVariables: [
        {
          key: 'Zendesk',
          values: values({
            subdomain: 'acme',
            authorizeUrl: 'https://acme.zendesk.com/oauth/authorizations/new',
            tokenUrl: 'https://acme.zendesk.com/oauth/tokens',
            clientId: 'client',
            clientSecret: 'client-secret',
          }),
        },
      ],
    });
    const holderId = `${uuid(id)}/Zendesk`;
    const owner = { orgId: org.orgId, customerId: customer.id };
    await storeGrant(
      h.database.db,
      h.vault,
      { kind: 'INSTANCE_CONFIG_VARIABLE', holderId, owner },
      { accessToken: 'at', refreshToken: 'rt', expiresAt: null, scopes: [] },
    );
    const variable = (await call(CONFIG, { id })).data.instance.configVariables.nodes[0];

    const wrongType = await call(DISCONNECT, { id });
    expect(wrongType.data.disconnectConnection).toEqual({
      instanceConfigVariable: null,
      errors: [{ field: 'id', messages: [`"${id}" is not an InstanceConfigVariable id.`] }],
    });
    expect(await h.database.db.select().from(oauth2Tokens).where(eq(oauth2Tokens.holderId, holderId))).toHaveLength(1);

    const res = await call(DISCONNECT, { id: variable.id });
    expect(res.data.disconnectConnection.errors).toEqual([]);
    expect(res.data.disconnectConnection.instanceConfigVariable.status).toBe('PENDING');
    expect(await h.database.db.select().from(oauth2Tokens).where(eq(oauth2Tokens.holderId, holderId))).toHaveLength(0);
    expect(
      res.data.disconnectConnection.instanceConfigVariable.inputs.nodes.filter((n: { hasValue: boolean }) => n.hasValue).map((n: { name: string }) => n.name),
    ).toEqual(['subdomain', 'authorizeUrl', 'tokenUrl', 'clientId', 'clientSecret']);
  });
});
