import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executions, users } from '../../src/db/tables';
import { decodeGlobalId, encodeGlobalId } from '../../src/lib/global-id';
import type { FakeOAuthServer } from '../fakes/fake-oauth-server';
import { embeddedJwtSigner } from '../support/embedded-jwt';
import { gql, type Harness } from '../support/harness';
import { deployInstance, importAndPublish } from '../support/integrations';
import { authorizeInBrowser } from '../support/oauth2';
import { seedCustomer, type SeededOrg } from '../support/seed';
import { awaitSettled, createUserAuthConnection, userAuthFlowDefinition, RUN_FLOW, seedUserAuthentication } from '../support/user-authentications';
import { startOAuth2Testbed, type OAuth2Testbed } from '../support/oauth2-testbed';

// An embedded user (signed in with the organization's JWT) is limited to their customer: they
// authenticate and act for themselves there, and the same external id under another customer is someone else.

const START = `mutation($input: StartUserAuthenticationInput!) {
  startUserAuthentication(input: $input) { authorization { authorizeUrl } errors { field messages } }
}`;
const MINE = `{ myUserAuthentications { totalCount nodes { id authStatus user { id } connection { id } } } }`;
const DELETE = `mutation($id: ID!) { deleteUserAuthentication(input: { id: $id }) { deletedId } }`;
const CANCEL = `mutation($id: ID!) { cancelExecution(input: { id: $id }) { errors { field messages } } }`;

// Both customers' embedded users carry this `sub`: the JWT's customer claim alone tells them apart.
const SHARED_SUB = 'embedded-shared-sub';

let bed: OAuth2Testbed;
let h: Harness;
let org: SeededOrg;
let oauth: FakeOAuthServer;
let sign: Awaited<ReturnType<typeof embeddedJwtSigner>>;
let scv: { id: string };
const customers = { a: { id: '', externalId: '', instance: '' }, b: { id: '', externalId: '', instance: '' } };

beforeAll(async () => {
  bed = await startOAuth2Testbed({ callback: true });
  ({ h, org, oauth } = bed);

  sign = await embeddedJwtSigner(h.app, org.adminToken);

  const stableKey = `ua-embedded-${org.orgId.slice(0, 6)}`;
  scv = await createUserAuthConnection(h.app, org.adminToken, oauth, stableKey, 'PAUSE_UNTIL_AUTHENTICATED');
  const integration = await importAndPublish(h.app, org.adminToken, userAuthFlowDefinition(stableKey));
  for (const [name, customer] of Object.entries(customers)) {
    customer.externalId = `${stableKey}-${name}`;
    customer.id = (await seedCustomer(h.database.db, org.admin, { externalId: customer.externalId })).id;
    customer.instance = (
      await deployInstance(h.app, org.adminToken, {
        integration: integration.id,
        customer: encodeGlobalId('Customer', customer.id),
        name: `${stableKey}-${name}`,
      })
    ).id;
  }
});
afterAll(async () => {
  await bed.close();
});

/** Signs in as the embedded user `SHARED_SUB` of a customer through the real JWT path; the JWT is their bearer token. */
async function embeddedUser(customer: { id: string; externalId: string }) {
  const token = await sign({ sub: SHARED_SUB, organization: encodeGlobalId('Organization', org.orgId), customer: customer.externalId });
  const signedIn = await h.app.fetch('http://127.0.0.1/embedded/authenticate', { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  expect(signedIn.status).toBe(200);
  const [user] = await h.database.db
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.orgId, org.orgId), eq(users.customerId, customer.id), eq(users.externalId, SHARED_SUB)));
  return { token, userId: user!.id, globalId: encodeGlobalId('User', user!.id) };
}

const runFlow = (token: string, instance: string, actingUser?: string) =>
  gql(h.app, RUN_FLOW, { input: { instance, flow: 'me', payload: JSON.stringify({ url: oauth.resourceUrl }), actingUser } }, token);

const queuedRuns = async (instance: string) =>
  (
    await h.database.db
      .select({ id: executions.id })
      .from(executions)
      .where(eq(executions.instanceId, decodeGlobalId(instance)!.id))
  ).length;

/** The embedded user of customer A, authenticated on the connection through the real callback over HTTP. */
async function authenticatedEmbeddedUserOfA(subject: string) {
  const a = await embeddedUser(customers.a);
  const started = (await gql(h.app, START, { input: { connection: scv.id } }, a.token)).data.startUserAuthentication;
  expect(started.errors).toEqual([]);
  const { callback } = await authorizeInBrowser(h.app, `${started.authorization.authorizeUrl}&login_hint=${subject}`);
  expect(callback.status).toBe(200);
  const mine = (await gql(h.app, MINE, {}, a.token)).data.myUserAuthentications;
  return { ...a, authentications: mine };
}

describe('an embedded user is limited to their customer', () => {
  it('authenticates through the callback, sees only their own authentication, and their runs of their customer use it', async () => {
    // A user of customer B holds an authentication on the same connection; A must never see it.
    const userOfB = await org.customerUser(customers.b.id);
    await seedUserAuthentication(h, oauth, userOfB.actor, decodeGlobalId(scv.id)!.id, { subject: 'subject-of-b' });

    const subject = `embedded-a-${org.orgId.slice(0, 6)}`;
    const a = await authenticatedEmbeddedUserOfA(subject);
    expect(a.authentications.totalCount).toBe(1);
    expect(a.authentications.nodes).toEqual([expect.objectContaining({ authStatus: 'ACTIVE', user: { id: a.globalId }, connection: { id: scv.id } })]);

    // Named by their external id (the JWT's sub) on their own customer's instance: the run uses their token,
    // which the provider's resource answers with the subject it was issued to.
    const res = await runFlow(a.token, customers.a.instance, SHARED_SUB);
    expect(res.data.runFlow.errors).toEqual([]);
    const run = await awaitSettled(h.app, org.adminToken, res.data.runFlow.execution.id);
    expect(run).toMatchObject({ status: 'SUCCEEDED', actingUser: { id: a.globalId } });
    const me = run.stepResults.nodes.find((s: { stepName: string }) => s.stepName === 'Me');
    expect(me).toMatchObject({ credentialSource: 'USER_AUTHENTICATION', output: { sub: subject } });
  });

  it("cannot make a run of another customer's instance act as them: refused and nothing is queued", async () => {
    const a = await embeddedUser(customers.a);
    const before = await queuedRuns(customers.b.instance);

    for (const actingUser of [a.globalId, SHARED_SUB, undefined]) {
      const res = await runFlow(a.token, customers.b.instance, actingUser);
      expect(res.data?.runFlow ?? null).toBeNull();
      expect(res.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    }
    // Not even an organization admin can name A's user on customer B's run.
    const named = await runFlow(org.adminToken, customers.b.instance, a.globalId);
    expect(named.data.runFlow).toEqual({
      execution: null,
      errors: [{ field: 'actingUser', messages: ["The user belongs to another customer than the run's."] }],
    });

    expect(await queuedRuns(customers.b.instance)).toBe(before);
  });

  it("the same external id under customer B is another user, who neither sees, deletes nor uses A's authentication", async () => {
    const a = await authenticatedEmbeddedUserOfA(`embedded-a2-${org.orgId.slice(0, 6)}`);
    const b = await embeddedUser(customers.b);
    expect(b.userId).not.toBe(a.userId);

    expect((await gql(h.app, MINE, {}, b.token)).data.myUserAuthentications.totalCount).toBe(0);
    const deleted = await gql(h.app, DELETE, { id: a.authentications.nodes[0].id }, b.token);
    expect(deleted.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await gql(h.app, MINE, {}, a.token)).data.myUserAuthentications.totalCount).toBe(1);

    // B's own run and a run naming the shared external id on B's instance both act as B, who has no
    // authentication: they wait for B instead of using A's token.
    const runs = [await runFlow(b.token, customers.b.instance), await runFlow(org.adminToken, customers.b.instance, SHARED_SUB)];
    for (const res of runs) {
      expect(res.data.runFlow.errors).toEqual([]);
      const run = await awaitSettled(h.app, org.adminToken, res.data.runFlow.execution.id);
      expect(run).toMatchObject({ status: 'AUTHENTICATION_NEEDED', actingUser: { id: b.globalId }, waitingForUser: { id: b.globalId } });
      expect((await gql(h.app, CANCEL, { id: run.id }, org.adminToken)).data.cancelExecution.errors).toEqual([]);
    }
  });
});
