import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeGlobalId, encodeGlobalId } from '../../src/lib/global-id';
import { startFakeApi, type FakeApi } from '../fakes/fake-api';
import type { FakeOAuthServer } from '../fakes/fake-oauth-server';
import { gql, type Harness } from '../support/harness';
import { deployInstance, importAndPublish } from '../support/integrations';
import { capturedLogLines } from '../support/log-capture';
import { seedCustomer, type SeededOrg } from '../support/seed';
import { awaitSettled, createUserAuthConnection, RUN_FLOW, seedUserAuthentication, userAuthFlowDefinition } from '../support/user-authentications';
import { startOAuth2Testbed, type OAuth2Testbed } from '../support/oauth2-testbed';

// A user's own tokens are canaries like every credential's, and explainCredential explains rule 2.

const EXPLAIN = `query($flow: ID!, $instance: ID, $actingUser: String, $interactive: Boolean) {
  explainCredential(flow: $flow, step: "Me", instance: $instance, actingUser: $actingUser, interactive: $interactive) { outcome rule source credentialId reason }
}`;

let bed: OAuth2Testbed;
let h: Harness;
let org: SeededOrg;
let oauth: FakeOAuthServer;
let api: FakeApi;

beforeAll(async () => {
  bed = await startOAuth2Testbed();
  ({ h, org, oauth } = bed);
  api = await startFakeApi({ idempotency: false });
  api.on('GET /echo', (request) => ({ json: { seen: request.headers.authorization } }));
});
afterAll(async () => {
  await api.close();
  await bed.close();
});

async function setUp(policy: string) {
  const stableKey = `ua-canary-${policy.toLowerCase()}-${org.orgId.slice(0, 6)}`.replace(/_/g, '-');
  const scv = await createUserAuthConnection(h.app, org.adminToken, oauth, stableKey, policy);
  const customerId = (await seedCustomer(h.database.db, org.admin)).id;
  const integration = await importAndPublish(h.app, org.adminToken, userAuthFlowDefinition(stableKey));
  const instance = await deployInstance(h.app, org.adminToken, {
    integration: integration.id,
    customer: encodeGlobalId('Customer', customerId),
    name: stableKey,
  });
  const flow = (await gql(h.app, `query($id: ID!) { integration(id: $id) { flows { nodes { id } } } }`, { id: integration.id }, org.adminToken)).data
    .integration.flows.nodes[0].id;
  return { scv, customerId, instance: instance.id, flow };
}

describe("users' own tokens", () => {
  it('appear in no step result, execution, user-authentication list or log line, even after a refresh', async () => {
    const setup = await setUp('END_WITH_ERROR');
    const user = await org.customerUser(setup.customerId);
    // Expired: the run refreshes first, so a rotated refresh token and a new access token are in play too.
    const seeded = await seedUserAuthentication(h, oauth, user.actor, decodeGlobalId(setup.scv.id)!.id, { subject: 'canary-user', expiresInMs: -1_000 });
    const input = { instance: setup.instance, flow: 'me', payload: JSON.stringify({ url: `${api.url}/echo` }), interactive: true };
    const run = await gql(h.app, RUN_FLOW, { input }, user.token);
    const execution = await awaitSettled(h.app, org.adminToken, run.data.runFlow.execution.id);
    expect(execution.stepResults.nodes[0]).toMatchObject({ status: 'SUCCEEDED', credentialSource: 'USER_AUTHENTICATION', credentialId: seeded.id });

    const used = api.requests.map((r) => (r.headers.authorization ?? '').replace(/^Bearer /, '')).filter(Boolean);
    const rotated = oauth.currentRefreshToken(seeded.granted.refresh_token);
    expect(used).toHaveLength(1);
    expect(used[0]).not.toBe(seeded.granted.access_token);
    const mine = await gql(h.app, `{ myUserAuthentications { nodes { id authStatus expiresAt } } }`, {}, user.token);
    const listed = await gql(
      h.app,
      `query($id: ID!) { scopedConfigVariable(id: $id) { userAuthentications { nodes { id authStatus } } } }`,
      { id: setup.scv.id },
      org.adminToken,
    );
    expect(mine.data.myUserAuthentications.nodes).toHaveLength(1);
    const everything = [JSON.stringify(execution), JSON.stringify(mine), JSON.stringify(listed), ...capturedLogLines].join('\n');
    for (const canary of new Set([seeded.granted.access_token, seeded.granted.refresh_token, rotated!, ...used])) {
      expect(everything).not.toContain(canary);
      expect(everything).not.toContain(encodeURIComponent(canary));
    }
  });
});

describe('explainCredential for rule 2', () => {
  it('names the policy a non-interactive run applies, the pause of an interactive one, and the user authentication', async () => {
    const setup = await setUp('FALLBACK_WITH_WARNING');
    const user = await org.customerUser(setup.customerId);
    const explain = async (interactive: boolean) =>
      (
        await gql(
          h.app,
          EXPLAIN,
          { flow: setup.flow, instance: setup.instance, actingUser: encodeGlobalId('User', user.actor.userId), interactive },
          org.adminToken,
        )
      ).data.explainCredential;
    // The fallback finds no connector user value for this customer, so it fails, naming both.
    expect(await explain(false)).toMatchObject({ outcome: 'FAIL', rule: 5 });
    expect((await explain(false)).reason).toContain("the connection's non-interactive policy FALLBACK_WITH_WARNING");
    expect(await explain(true)).toMatchObject({ outcome: 'PAUSE', rule: 2 });
    expect((await explain(true)).reason).toContain('the run is interactive, so it waits until the user authenticates');
    const seeded = await seedUserAuthentication(h, oauth, user.actor, decodeGlobalId(setup.scv.id)!.id, { subject: 'explained' });
    expect(await explain(false)).toMatchObject({ outcome: 'USE', rule: 2, source: 'USER_AUTHENTICATION', credentialId: seeded.id });
  });
});
