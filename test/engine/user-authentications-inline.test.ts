import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userAuthentications } from '../../src/db/tables';
import { storeGrant } from '../../src/domain/oauth2/tokens';
import { USER_AUTH_POLICIES, type UserAuthPolicy } from '../../src/domain/user-authentications/settings';
import { decodeGlobalId, encodeGlobalId } from '../../src/lib/global-id';
import { gql } from '../support/harness';
import { deployInstance, importAndPublish } from '../support/integrations';
import { authorizeInBrowser, fakeProviderInputs } from '../support/oauth2';
import { startOAuth2Testbed, type OAuth2Testbed } from '../support/oauth2-testbed';
import { seedCustomer } from '../support/seed';
import {
  awaitSettled,
  expectedRuleTwo,
  inlineUserAuthFlowDefinition,
  RUN_FLOW,
  seedUserAuthentication,
  type RunMode,
  type UserState,
} from '../support/user-authentications';

// User authentications on an instance's inline connection: the definition enables user authentications; rule 2 applies
// per instance, the waiting user starts the flow from myWaitingExecutions, and customers stay apart.

type Setup = { instance: string; instanceId: string; customerId: string };

let bed: OAuth2Testbed;
const setups = new Map<UserAuthPolicy, Setup>();
/** A second customer's instance of the PAUSE_UNTIL_AUTHENTICATED integration. */
let otherCustomer: Setup;

const PROVIDER = 'Provider';

async function deployWithConnectorUser(integrationId: string, name: string): Promise<Setup> {
  const { h, org, oauth } = bed;
  const customerId = (await seedCustomer(h.database.db, org.admin)).id;
  const instance = await deployInstance(h.app, org.adminToken, {
    integration: integrationId,
    customer: encodeGlobalId('Customer', customerId),
    name,
    configVariables: [{ key: PROVIDER, values: JSON.stringify(fakeProviderInputs(oauth)) }],
  });
  const instanceId = decodeGlobalId(instance.id)!.id;
  // The connector user: the customer's own authorization of the instance's inline connection.
  const granted = oauth.issueTokens({ subject: 'connector-user', scope: 'read write' });
  await storeGrant(
    h.database.db,
    h.vault,
    { kind: 'INSTANCE_CONFIG_VARIABLE', holderId: `${instanceId}/${PROVIDER}`, owner: { orgId: org.orgId, customerId } },
    { accessToken: granted.access_token, refreshToken: granted.refresh_token, expiresAt: new Date(Date.now() + 3_600_000), scopes: ['read', 'write'] },
  );
  return { instance: instance.id, instanceId, customerId };
}

beforeAll(async () => {
  bed = await startOAuth2Testbed({ callback: true });
  for (const policy of USER_AUTH_POLICIES) {
    const stableKey = `ua-inline-${policy.toLowerCase().replace(/_/g, '-')}-${bed.org.orgId.slice(0, 6)}`;
    // Lowercase, as YAML authors write it.
    const integration = await importAndPublish(bed.h.app, bed.org.adminToken, inlineUserAuthFlowDefinition(stableKey, policy.toLowerCase()));
    setups.set(policy, await deployWithConnectorUser(integration.id, stableKey));
    if (policy === 'PAUSE_UNTIL_AUTHENTICATED') otherCustomer = await deployWithConnectorUser(integration.id, `${stableKey}-other`);
  }
});
afterAll(async () => bed.close());

const payload = () => JSON.stringify({ url: bed.oauth.resourceUrl });
const runFlow = (token: string, input: Record<string, unknown>) => gql(bed.h.app, RUN_FLOW, { input: { flow: 'me', payload: payload(), ...input } }, token);

const cases = USER_AUTH_POLICIES.flatMap((policy) =>
  (['none', 'working'] as UserState[]).flatMap((state) => (['interactive', 'non-interactive'] as RunMode[]).map((mode) => ({ policy, state, mode }))),
);

describe('rule 2 on an inline connection: user state × mode × policy', () => {
  it.each(cases)('$policy, $state user authentication, $mode', async ({ policy, state, mode }) => {
    const { h, org, oauth } = bed;
    const setup = setups.get(policy)!;
    const user = await org.customerUser(setup.customerId);
    const subject = `user-${user.actor.userId}`;
    if (state === 'working') await seedUserAuthentication(h, oauth, user.actor, { instanceId: setup.instanceId, configVariableKey: PROVIDER }, { subject });

    const res =
      mode === 'interactive'
        ? await runFlow(user.token, { instance: setup.instance, interactive: true })
        : await runFlow(org.adminToken, { instance: setup.instance, actingUser: encodeGlobalId('User', user.actor.userId) });
    expect(res.data?.runFlow.errors).toEqual([]);
    const execution = await awaitSettled(h.app, org.adminToken, res.data.runFlow.execution.id);
    const want = expectedRuleTwo(policy, state, mode);

    expect(execution.status).toBe(want.status);
    expect(execution.warnings).toHaveLength(want.warnings);
    const step = execution.stepResults.nodes[0];
    if (want.status === 'AUTHENTICATION_NEEDED') {
      expect(execution.stepResults.nodes).toEqual([]);
      expect(execution.waitingForUser.id).toBe(encodeGlobalId('User', user.actor.userId));
      // An inline connection is no reusable connection: the run names the instance's config variable instead.
      expect(execution.waitingForConnection).toBeNull();
    } else if (want.status === 'FAILED') {
      expect(step).toMatchObject({ status: 'FAILED', credentialSource: null, credentialRule: 2 });
      expect(execution.error).toContain(`has no working authentication for connection '${PROVIDER}'`);
      expect(execution.error).toContain('END_WITH_ERROR');
    } else {
      expect(step).toMatchObject({ status: 'SUCCEEDED', credentialSource: want.source, credentialRule: want.source === 'USER_AUTHENTICATION' ? 2 : 3 });
      // Which credential the fake API received: the subject its access token was issued to.
      expect(step.output.sub).toBe(want.caller === 'user' ? subject : 'connector-user');
      expect(step.warnings).toHaveLength(want.warnings);
    }
  });
});

describe('explainCredential on an inline connection', () => {
  const EXPLAIN = `query($flow: ID!, $instance: ID, $actingUser: String, $interactive: Boolean) {
    explainCredential(flow: $flow, step: "Me", instance: $instance, actingUser: $actingUser, interactive: $interactive) { outcome rule source reason }
  }`;
  it('explains rule 2 with the policy, without running anything', async () => {
    const { h, org } = bed;
    const setup = setups.get('FALLBACK_WITH_WARNING')!;
    const user = await org.customerUser(setup.customerId);
    const flows = (await gql(h.app, `query($id: ID!) { instance(id: $id) { integration { flows { nodes { id } } } } }`, { id: setup.instance }, org.adminToken))
      .data.instance.integration.flows.nodes;
    const explain = async (interactive: boolean) =>
      (
        await gql(
          h.app,
          EXPLAIN,
          { flow: flows[0].id, instance: setup.instance, actingUser: encodeGlobalId('User', user.actor.userId), interactive },
          org.adminToken,
        )
      ).data.explainCredential;
    const background = await explain(false);
    expect(background).toMatchObject({ outcome: 'USE', rule: 3, source: 'CONNECTOR_USER_FALLBACK' });
    expect(background.reason).toContain('FALLBACK_WITH_WARNING');
    expect(await explain(true)).toMatchObject({ outcome: 'PAUSE', rule: 2, source: null });
  });
});

const WAITING = `{ myWaitingExecutions { totalCount nodes { id waitingForConnection { id } waitingForConfigVariableKey authorizeUrl } } }`;
const WHO = `query($id: ID!, $key: String!) { instance(id: $id) { userAuthentications(configVariableKey: $key) { totalCount nodes { user { id } authStatus configVariableKey instance { id } } } } }`;

describe('the waiting list gives the URL that starts the authentication', () => {
  it('the waiting user authenticates through authorizeUrl and the callback over HTTP; the run resumes; admins see who authenticated', async () => {
    const { h, org } = bed;
    const setup = setups.get('PAUSE_UNTIL_AUTHENTICATED')!;
    const user = await org.customerUser(setup.customerId);
    const run = (await runFlow(org.adminToken, { instance: setup.instance, actingUser: encodeGlobalId('User', user.actor.userId) })).data.runFlow.execution.id;
    expect((await awaitSettled(h.app, org.adminToken, run)).status).toBe('AUTHENTICATION_NEEDED');

    const authenticationsOfUser = async () =>
      (await h.database.db.select({ n: count() }).from(userAuthentications).where(eq(userAuthentications.userId, user.actor.userId)))[0]!.n;
    // Reading the URL is a query: however often it is read, the user's authentication appears only with the callback.
    for (let read = 0; read < 3; read++) await gql(h.app, WAITING, {}, user.token);
    expect(await authenticationsOfUser()).toBe(0);
    const waiting = (await gql(h.app, WAITING, {}, user.token)).data.myWaitingExecutions;
    expect(waiting.totalCount).toBe(1);
    expect(waiting.nodes[0]).toMatchObject({ id: run, waitingForConnection: null, waitingForConfigVariableKey: PROVIDER });
    expect(new URL(waiting.nodes[0].authorizeUrl).origin).toBe(new URL(bed.oauth.authorizeUrl).origin);
    // Only the user the run waits for gets a URL: an admin cannot authenticate on their behalf.
    const asAdmin = await gql(h.app, `query($id: ID!) { executionResult(id: $id) { authorizeUrl } }`, { id: run }, org.adminToken);
    expect(asAdmin.data.executionResult.authorizeUrl).toBeNull();

    const subject = `user-${user.actor.userId}`;
    const { callback } = await authorizeInBrowser(h.app, `${waiting.nodes[0].authorizeUrl}&login_hint=${subject}`);
    expect(callback.status).toBe(200);
    expect(await authenticationsOfUser()).toBe(1);
    const ended = await awaitSettled(h.app, org.adminToken, run);
    expect(ended.status).toBe('SUCCEEDED');
    expect(ended.stepResults.nodes[0]).toMatchObject({ credentialSource: 'USER_AUTHENTICATION', output: { sub: subject } });
    expect((await gql(h.app, WAITING, {}, user.token)).data.myWaitingExecutions.totalCount).toBe(0);

    const who = await gql(h.app, WHO, { id: setup.instance, key: PROVIDER }, org.adminToken);
    // Other tests of this file authenticate users on the same instance too.
    expect(who.data.instance.userAuthentications.nodes).toContainEqual({
      user: { id: encodeGlobalId('User', user.actor.userId) },
      authStatus: 'ACTIVE',
      configVariableKey: PROVIDER,
      instance: { id: setup.instance },
    });
    // Customer users do not see who else authenticated.
    expect((await gql(h.app, WHO, { id: setup.instance, key: PROVIDER }, user.token)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

const START = `mutation($input: StartUserAuthenticationInput!) {
  startUserAuthentication(input: $input) { authorization { authorizeUrl } errors { field messages } }
}`;

describe('isolation between customers on inline connections', () => {
  it("a customer's user can neither authenticate on, run, nor lend their credential to another customer's instance", async () => {
    const { h, org, oauth } = bed;
    const mine = setups.get('PAUSE_UNTIL_AUTHENTICATED')!;
    const a = await org.customerUser(mine.customerId);
    await seedUserAuthentication(h, oauth, a.actor, { instanceId: mine.instanceId, configVariableKey: PROVIDER }, { subject: 'subject-a' });

    const start = await gql(h.app, START, { input: { connection: otherCustomer.instance, configVariableKey: PROVIDER } }, a.token);
    expect(start.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const interactive = await runFlow(a.token, { instance: otherCustomer.instance, interactive: true });
    expect(interactive.data?.runFlow?.execution ?? null).toBeNull();
    const lent = await runFlow(org.adminToken, { instance: otherCustomer.instance, actingUser: encodeGlobalId('User', a.actor.userId) });
    expect(lent.data.runFlow.errors).toEqual([{ field: 'actingUser', messages: ["The user belongs to another customer than the run's."] }]);
  });

  it("an organization user's authentication serves the instance it was made for, not another instance of the integration", async () => {
    const { h, org, oauth } = bed;
    const mine = setups.get('PAUSE_UNTIL_AUTHENTICATED')!;
    await seedUserAuthentication(h, oauth, org.admin, { instanceId: mine.instanceId, configVariableKey: PROVIDER }, { subject: 'member' });
    const asMember = (instance: string) => runFlow(org.adminToken, { instance, actingUser: encodeGlobalId('User', org.admin.userId) });

    const here = await awaitSettled(h.app, org.adminToken, (await asMember(mine.instance)).data.runFlow.execution.id);
    expect(here.stepResults.nodes[0]).toMatchObject({ credentialSource: 'USER_AUTHENTICATION', output: { sub: 'member' } });
    const there = await awaitSettled(h.app, org.adminToken, (await asMember(otherCustomer.instance)).data.runFlow.execution.id);
    expect(there.status).toBe('AUTHENTICATION_NEEDED');
  });

  it('startUserAuthentication names the field when the inline connection does not exist on the instance', async () => {
    const { h, org } = bed;
    const res = await gql(h.app, START, { input: { connection: setups.get('END_WITH_ERROR')!.instance, configVariableKey: 'Nope' } }, org.adminToken);
    expect(res.data.startUserAuthentication.errors).toEqual([
      { field: 'configVariableKey', messages: ['Instance config variable "Nope" is not an inline connection of this instance.'] },
    ]);
  });
});
