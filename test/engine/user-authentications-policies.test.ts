import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeGrant } from '../../src/domain/oauth2/tokens';
import { USER_AUTH_POLICIES, type UserAuthPolicy } from '../../src/domain/user-authentications/settings';
import { decodeGlobalId, encodeGlobalId } from '../../src/lib/global-id';
import type { FakeOAuthServer } from '../fakes/fake-oauth-server';
import { createCustomerValues } from '../support/connections';
import { gql, type Harness } from '../support/harness';
import { deployInstance, importAndPublish } from '../support/integrations';
import { seedCustomer, type SeededOrg } from '../support/seed';
import {
  awaitSettled,
  createUserAuthConnection,
  expectedRuleTwo,
  RUN_FLOW,
  seedUserAuthentication,
  userAuthFlowDefinition,
  type RunMode,
  type UserState,
} from '../support/user-authentications';
import { startOAuth2Testbed, type OAuth2Testbed } from '../support/oauth2-testbed';

// {no, revoked, working user auth} × {interactive, non-interactive} × the four policies.

let bed: OAuth2Testbed;
let h: Harness;
let org: SeededOrg;
let oauth: FakeOAuthServer;
const setups = new Map<UserAuthPolicy, { instance: string; scvId: string; customerId: string }>();

beforeAll(async () => {
  bed = await startOAuth2Testbed();
  ({ h, org, oauth } = bed);
  for (const policy of USER_AUTH_POLICIES) {
    const stableKey = `ua-${policy.toLowerCase().replace(/_/g, '-')}-${org.orgId.slice(0, 6)}`;
    // Lowercase, as YAML and Prismatic clients send it.
    const scv = await createUserAuthConnection(h.app, org.adminToken, oauth, stableKey, policy.toLowerCase());
    const customer = await seedCustomer(h.database.db, org.admin);
    const ccv = await createCustomerValues(h.app, org.adminToken, {
      scopedConfigVariable: scv.id,
      customer: encodeGlobalId('Customer', customer.id),
      inputs: [],
    });
    // The connector user: the customer's own authorization of the connection.
    const granted = oauth.issueTokens({ subject: 'connector-user', scope: 'read write' });
    await storeGrant(
      h.database.db,
      h.vault,
      { kind: 'CUSTOMER_CONFIG_VARIABLE', holderId: decodeGlobalId(ccv.id)!.id, owner: { orgId: org.orgId, customerId: customer.id } },
      { accessToken: granted.access_token, refreshToken: granted.refresh_token, expiresAt: new Date(Date.now() + 3_600_000), scopes: ['read', 'write'] },
    );
    const integration = await importAndPublish(h.app, org.adminToken, userAuthFlowDefinition(stableKey));
    const instance = await deployInstance(h.app, org.adminToken, {
      integration: integration.id,
      customer: encodeGlobalId('Customer', customer.id),
      name: stableKey,
    });
    setups.set(policy, { instance: instance.id, scvId: decodeGlobalId(scv.id)!.id, customerId: customer.id });
  }
});
afterAll(async () => {
  await bed.close();
});

const cases = USER_AUTH_POLICIES.flatMap((policy) =>
  (['none', 'revoked', 'working'] as UserState[]).flatMap((state) =>
    (['interactive', 'non-interactive'] as RunMode[]).map((mode) => ({ policy, state, mode })),
  ),
);

describe('rule 2 at run time: every user state × mode × policy', () => {
  it.each(cases)('$policy, $state user authentication, $mode', async ({ policy, state, mode }) => {
    const setup = setups.get(policy)!;
    const user = await org.customerUser(setup.customerId);
    const subject = `user-${user.actor.userId}`;
    if (state !== 'none') await seedUserAuthentication(h, oauth, user.actor, setup.scvId, { subject, revoked: state === 'revoked' });

    const input = { instance: setup.instance, flow: 'me', payload: JSON.stringify({ url: oauth.resourceUrl }) };
    const res =
      mode === 'interactive'
        ? await gql(h.app, RUN_FLOW, { input: { ...input, interactive: true } }, user.token)
        : await gql(h.app, RUN_FLOW, { input: { ...input, actingUser: encodeGlobalId('User', user.actor.userId) } }, org.adminToken);
    expect(res.data?.runFlow.errors).toEqual([]);
    const execution = await awaitSettled(h.app, org.adminToken, res.data.runFlow.execution.id);
    const want = expectedRuleTwo(policy, state, mode);

    expect(execution.status).toBe(want.status);
    expect(execution.actingUser.id).toBe(encodeGlobalId('User', user.actor.userId));
    expect(execution.interactive).toBe(mode === 'interactive');
    expect(execution.warnings).toHaveLength(want.warnings);
    const step = execution.stepResults.nodes[0];
    if (want.status === 'AUTHENTICATION_NEEDED') {
      // Nothing of the step is recorded, so the resumed run sends it then; the run says whom it waits for.
      expect(execution.stepResults.nodes).toEqual([]);
      expect(execution.waitingForUser.id).toBe(encodeGlobalId('User', user.actor.userId));
      expect(execution.waitingForConnection.id).toBe(encodeGlobalId('ScopedConfigVariable', setup.scvId));
    } else if (want.status === 'FAILED') {
      expect(step).toMatchObject({ status: 'FAILED', credentialSource: null, credentialRule: 2 });
      expect(execution.error).toContain(`User 'Cora Customer' ('${user.actor.userId}') has no working authentication for connection 'Provider'`);
      expect(execution.error).toContain('END_WITH_ERROR');
    } else {
      expect(step).toMatchObject({ status: 'SUCCEEDED', credentialSource: want.source });
      // Which credential the fake API received: the subject its access token was issued to.
      expect(step.output.sub).toBe(want.caller === 'user' ? subject : 'connector-user');
      expect(step.warnings).toHaveLength(want.warnings);
      expect(execution.warnings).toEqual(step.warnings);
      if (want.warnings) expect(step.warnings[0]).toContain("the step ran with the connector user's credential instead");
      if (want.source === 'CONNECTOR_USER_FALLBACK') expect(step.credentialReason).toContain(policy);
    }
  });
});
