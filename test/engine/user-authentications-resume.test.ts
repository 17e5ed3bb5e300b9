import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeGlobalId, encodeGlobalId } from '../../src/lib/global-id';
import { startFakeApi, type FakeApi } from '../fakes/fake-api';
import type { FakeOAuthServer } from '../fakes/fake-oauth-server';
import { connectionId } from '../support/connections';
import { gql, type Harness } from '../support/harness';
import { deployInstance, importAndPublish } from '../support/integrations';
import { authorizeInBrowser } from '../support/oauth2';
import { seedCustomer, type SeededOrg } from '../support/seed';
import { awaitSettled, createUserAuthConnection, userAuthFlowDefinition, RUN_FLOW, seedUserAuthentication } from '../support/user-authentications';
import { startOAuth2Testbed, type OAuth2Testbed } from '../support/oauth2-testbed';

// Paused runs resume when their user authenticates through the real callback; isolation between users.

const START = `mutation($input: StartUserAuthenticationInput!) {
  startUserAuthentication(input: $input) { authorization { authorizeUrl } errors { field messages } }
}`;
const MINE = `{ myUserAuthentications { totalCount nodes { id authStatus user { id } connection { id } } } }`;
const WAITING = `{ myWaitingExecutions { totalCount nodes { id status waitingForConnection { id } } } }`;

let bed: OAuth2Testbed;
let h: Harness;
let org: SeededOrg;
let oauth: FakeOAuthServer;
let api: FakeApi;
let scv: { id: string };
let instance: string;
let customerId: string;

beforeAll(async () => {
  bed = await startOAuth2Testbed({ callback: true });
  ({ h, org, oauth } = bed);
  api = await startFakeApi();
  api.on('POST /step-one', { status: 200, json: { recorded: true } });
  const stableKey = `ua-resume-${org.orgId.slice(0, 6)}`;
  scv = await createUserAuthConnection(h.app, org.adminToken, oauth, stableKey, 'PAUSE_UNTIL_AUTHENTICATED');
  customerId = (await seedCustomer(h.database.db, org.admin)).id;
  const integration = await importAndPublish(h.app, org.adminToken, userAuthFlowDefinition(stableKey, `${api.url}/step-one`));
  instance = (await deployInstance(h.app, org.adminToken, { integration: integration.id, customer: encodeGlobalId('Customer', customerId), name: stableKey }))
    .id;
});
afterAll(async () => {
  await api.close();
  await bed.close();
});

const runAs = async (actingUserId: string) => {
  const input = { instance, flow: 'me', payload: JSON.stringify({ url: oauth.resourceUrl }), actingUser: encodeGlobalId('User', actingUserId) };
  const res = await gql(h.app, RUN_FLOW, { input }, org.adminToken);
  expect(res.data.runFlow.errors).toEqual([]);
  return res.data.runFlow.execution.id as string;
};

describe('runs waiting for a user authentication', () => {
  it('every run waiting for the user resumes at the paused step when the user authenticates through the callback', async () => {
    const user = await org.customerUser(customerId);
    const before = api.requestsTo('POST /step-one').length;
    const runs = [await runAs(user.actor.userId), await runAs(user.actor.userId)];
    for (const run of runs) expect((await awaitSettled(h.app, org.adminToken, run)).status).toBe('AUTHENTICATION_NEEDED');
    const waiting = (await gql(h.app, WAITING, {}, user.token)).data.myWaitingExecutions;
    expect(waiting.totalCount).toBe(2);
    expect(waiting.nodes[0].waitingForConnection.id).toBe(scv.id);

    const started = (await gql(h.app, START, { input: { connection: scv.id } }, user.token)).data.startUserAuthentication;
    expect(started.errors).toEqual([]);
    const subject = `user-${user.actor.userId}`;
    const { callback } = await authorizeInBrowser(h.app, `${started.authorization.authorizeUrl}&login_hint=${subject}`);
    expect(callback.status).toBe(200);

    for (const run of runs) {
      const ended = await awaitSettled(h.app, org.adminToken, run);
      expect(ended.status).toBe('SUCCEEDED');
      const me = ended.stepResults.nodes.find((s: { stepName: string }) => s.stepName === 'Me');
      expect(me).toMatchObject({ credentialSource: 'USER_AUTHENTICATION', output: { sub: subject } });
    }
    // Step 1 ran once per run, before the pause; the resume continued at step 2.
    expect(api.requestsTo('POST /step-one').length - before).toBe(2);
    expect((await gql(h.app, WAITING, {}, user.token)).data.myWaitingExecutions.totalCount).toBe(0);
    const mine = (await gql(h.app, MINE, {}, user.token)).data.myUserAuthentications;
    expect(mine.nodes).toEqual([
      expect.objectContaining({ authStatus: 'ACTIVE', user: { id: encodeGlobalId('User', user.actor.userId) }, connection: { id: scv.id } }),
    ]);
  });

  it('cancelExecution ends a waiting run', async () => {
    const user = await org.customerUser(customerId);
    const run = await runAs(user.actor.userId);
    expect((await awaitSettled(h.app, org.adminToken, run)).status).toBe('AUTHENTICATION_NEEDED');
    const res = await gql(
      h.app,
      `mutation($id: ID!) { cancelExecution(input: { id: $id }) { execution { status error } errors { field messages } } }`,
      { id: run },
      org.adminToken,
    );
    expect(res.data.cancelExecution).toEqual({ execution: { status: 'FAILED', error: 'Cancelled (cancelExecution).' }, errors: [] });
  });
});

describe('isolation between users and customers', () => {
  it("a user neither sees, deletes nor uses another user's authentication", async () => {
    const a = await org.customerUser(customerId);
    const b = await org.customerUser(customerId);
    const authA = await seedUserAuthentication(h, oauth, a.actor, decodeGlobalId(scv.id)!.id, { subject: 'subject-a' });
    expect((await gql(h.app, MINE, {}, b.token)).data.myUserAuthentications.totalCount).toBe(0);
    const deleted = await gql(
      h.app,
      `mutation($id: ID!) { deleteUserAuthentication(input: { id: $id }) { deletedId } }`,
      { id: encodeGlobalId('UserAuthentication', authA.id) },
      b.token,
    );
    expect(deleted.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    // B's run does not use A's credential: it waits for B.
    const run = await runAs(b.actor.userId);
    const settled = await awaitSettled(h.app, org.adminToken, run);
    expect(settled.status).toBe('AUTHENTICATION_NEEDED');
    expect(settled.waitingForUser.id).toBe(encodeGlobalId('User', b.actor.userId));
    // Admins see who authenticated, with the status and never a token.
    const listed = await gql(
      h.app,
      `query($id: ID!) { scopedConfigVariable(id: $id) { userAuthentications { nodes { user { id } authStatus } } } }`,
      { id: scv.id },
      org.adminToken,
    );
    expect(listed.data.scopedConfigVariable.userAuthentications.nodes).toContainEqual({
      user: { id: encodeGlobalId('User', a.actor.userId) },
      authStatus: 'ACTIVE',
    });
  });

  it("a customer's user cannot act in another customer's run, nor name another user", async () => {
    const other = (await seedCustomer(h.database.db, org.admin)).id;
    const outsider = await org.customerUser(other);
    const res = await gql(h.app, RUN_FLOW, { input: { instance, flow: 'me', actingUser: encodeGlobalId('User', outsider.actor.userId) } }, org.adminToken);
    expect(res.data.runFlow.errors).toEqual([{ field: 'actingUser', messages: ["The user belongs to another customer than the run's."] }]);
    const insider = await org.customerUser(customerId);
    const colleague = await org.customerUser(customerId);
    const named = await gql(h.app, RUN_FLOW, { input: { instance, flow: 'me', actingUser: encodeGlobalId('User', colleague.actor.userId) } }, insider.token);
    expect(named.data.runFlow.errors).toEqual([{ field: 'actingUser', messages: ['Customer users can only run flows as themselves.'] }]);
  });

  it('enabling user authentications on a connection that does not support them is a payload error naming the field', async () => {
    const res = await gql(
      h.app,
      `mutation($input: CreateScopedConfigVariableInput!) { createScopedConfigVariable(input: $input) { scopedConfigVariable { id } errors { field messages } } }`,
      {
        input: {
          key: 'Basic',
          stableKey: `ua-basic-${org.orgId.slice(0, 6)}`,
          variableScope: 'customer',
          connection: await connectionId(h.app, org.adminToken, 'http', 'basic'),
          userAuthentication: { enabled: true, nonInteractivePolicy: 'sometimes' },
        },
      },
      org.adminToken,
    );
    expect(res.data.createScopedConfigVariable.scopedConfigVariable).toBeNull();
    expect(res.data.createScopedConfigVariable.errors).toEqual([
      {
        field: 'userAuthentication',
        messages: [
          'nonInteractivePolicy must be one of FALLBACK_TO_CONNECTOR_USER, FALLBACK_WITH_WARNING, PAUSE_UNTIL_AUTHENTICATED, END_WITH_ERROR (lowercase accepted).',
          'Connection "http/basic" does not support user authentications (only OAuth 2.0 authorization-code connections that declare it do).',
        ],
      },
    ]);
  });
});

describe('the acting-user webhook header', () => {
  it('names the acting user of a webhook run only on a signed call', async () => {
    const user = await org.customerUser(customerId);
    const configs = await gql(h.app, `query($id: ID!) { instance(id: $id) { flowConfigs { nodes { id webhookUrl } } } }`, { id: instance }, org.adminToken);
    const config = configs.data.instance.flowConfigs.nodes[0];
    const body = JSON.stringify({ url: oauth.resourceUrl });
    const post = (headers: Record<string, string>) =>
      h.app.fetch(`http://127.0.0.1${new URL(config.webhookUrl).pathname}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      });
    const named = { 'x-tenantflow-acting-user': encodeGlobalId('User', user.actor.userId) };

    const unsigned = await post(named);
    expect(unsigned.status).toBe(400);
    expect(await unsigned.json()).toEqual({ error: 'x-tenantflow-acting-user is accepted only on webhooks that require signed calls.' });

    const set = await gql(
      h.app,
      `mutation($input: SetInstanceFlowConfigSignatureInput!) { setInstanceFlowConfigSignature(input: $input) { signatureSecret errors { field messages } } }`,
      { input: { id: config.id, required: true } },
      org.adminToken,
    );
    const secret = set.data.setInstanceFlowConfigSignature.signatureSecret as string;
    // Each signature is accepted once: the two calls sign different timestamps.
    const sign = (ago: number) => {
      const t = Math.floor(Date.now() / 1000) - ago;
      return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
    };
    const outsider = await org.customerUser((await seedCustomer(h.database.db, org.admin)).id);
    const refused = await post({ 'x-tenantflow-acting-user': encodeGlobalId('User', outsider.actor.userId), 'x-signature': sign(1) });
    expect(refused.status).toBe(400);

    const signed = await post({ ...named, 'x-signature': sign(0) });
    expect(signed.status).toBe(202);
    const run = await awaitSettled(h.app, org.adminToken, signed.headers.get('prismatic-executionid')!);
    expect(run).toMatchObject({ status: 'AUTHENTICATION_NEEDED', interactive: false, actingUser: { id: encodeGlobalId('User', user.actor.userId) } });
  });
});
