import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oauth2Tokens } from '../../src/db/tables';
import { decodeGlobalId, encodeGlobalId } from '../../src/lib/global-id';
import type { FakeOAuthServer } from '../fakes/fake-oauth-server';
import { connectionId, createCustomerValues, createScoped } from '../support/connections';
import { createConnectorAuth } from '../support/connector-auths';
import { gql, type Harness } from '../support/harness';
import { awaitEnd, deployInstance, importAndPublish, postWebhook } from '../support/integrations';
import { allowRedirectOrigins, authorizeInBrowser, deployWithFakeProvider, fakeProviderInputs, START, startAuthorization } from '../support/oauth2';
import { seedCustomer, type SeededOrg } from '../support/seed';
import { startOAuth2Testbed, type OAuth2Testbed } from '../support/oauth2-testbed';

const VENDOR_UI = 'https://app.vendor.test';

const definition = (stableKey: string, binding: string, auth = '') => `
name: ${stableKey}
stableKey: ${stableKey}
requiredConfigVars:
  - key: Provider
    dataType: connection
    ${binding}
flows:
  - name: Who am I
    stableKey: me
    trigger: { type: webhook, synchronous: true }
    steps:
      - name: Me
        action: { component: http, key: http-request }
        connection: Provider
        ${auth}
        inputs:
          method: GET
          url: "{{ trigger.body.url }}"
`;

let bed: OAuth2Testbed;
let h: Harness;
let org: SeededOrg;
let oauth: FakeOAuthServer;
let connection: string;

beforeAll(async () => {
  bed = await startOAuth2Testbed({ callback: true });
  ({ h, org, oauth } = bed);
  connection = await connectionId(h.app, org.adminToken, 'http', 'oauth2-authorization-code');
  await allowRedirectOrigins(h.app, org.adminToken, [VENDOR_UI]);
});
afterAll(async () => {
  await bed.close();
});

const tokenRow = async (holderId: string) => (await h.database.db.select().from(oauth2Tokens).where(eq(oauth2Tokens.holderId, holderId)))[0];

describe('the authorization-code flow through the API and GET /oauth2/callback', () => {
  it('authorizes a customer-activated connection, stores the tokens sealed, and a flow calls the API with them', async () => {
    const scv = await createScoped(h.app, org.adminToken, {
      key: 'Provider',
      stableKey: 'provider-customer-activated',
      variableScope: 'customer',
      managedBy: 'customer',
      connection,
      inputs: fakeProviderInputs(oauth),
    });
    const customer = encodeGlobalId('Customer', (await seedCustomer(h.database.db, org.admin)).id);
    const ccv = await createCustomerValues(h.app, org.adminToken, { scopedConfigVariable: scv.id, customer, inputs: [] });

    const authorizeUrl = await startAuthorization(h.app, org.adminToken, ccv.id, `${VENDOR_UI}/connections/done`);
    const sent = new URL(authorizeUrl);
    expect(sent.origin + sent.pathname).toBe(oauth.authorizeUrl);
    expect(sent.searchParams.get('code_challenge_method')).toBe('S256');
    expect(sent.searchParams.get('redirect_uri')).toBe('http://127.0.0.1/oauth2/callback');
    expect(sent.searchParams.get('scope')).toBe('read write');

    const { providerRedirect, callback } = await authorizeInBrowser(h.app, authorizeUrl);
    expect(providerRedirect.searchParams.get('code')).toBeTruthy();
    expect(callback.status).toBe(303);
    expect(callback.headers.get('location')).toBe(`${VENDOR_UI}/connections/done?oauth2=success`);
    expect(oauth.tokenRequests.at(-1)).toMatchObject({ grantType: 'authorization_code', status: 200 });

    const row = await tokenRow(decodeGlobalId(ccv.id)!.id);
    expect(row).toMatchObject({ holderKind: 'CUSTOMER_CONFIG_VARIABLE', authStatus: 'ACTIVE', scopes: ['read', 'write'] });
    expect(row!.expiresAt!.getTime()).toBeGreaterThan(Date.now() + 3_000_000);
    expect(row!.refreshToken).toBeTruthy();

    const integration = await importAndPublish(h.app, org.adminToken, definition('oauth-customer', 'useScopedConfigVar: provider-customer-activated'));
    const instance = await deployInstance(h.app, org.adminToken, { integration: integration.id, customer, name: 'Provider' });
    const before = oauth.resourceRequestCount;
    const run = await postWebhook(h.app, instance.webhooks.me!, { url: oauth.resourceUrl });
    expect(run.status).toBe(200);
    expect(run.body).toMatchObject({ sub: 'user-1', scope: 'read write' });
    expect(oauth.resourceRequestCount).toBe(before + 1);
    const execution = await awaitEnd(h.app, org.adminToken, run.executionId!);
    expect(execution.stepResults.nodes[0]).toMatchObject({ status: 'SUCCEEDED', credentialSource: 'INSTANCE_SCOPED_CONNECTION', credentialRule: 3 });
  });

  it('authorizes a connector auth, and a flow choosing it by id calls the API with its token', async () => {
    const authId = await createConnectorAuth(h.app, org.adminToken, { connection, name: 'Provider of tenant 7', inputs: fakeProviderInputs(oauth) });
    const { callback } = await authorizeInBrowser(h.app, await startAuthorization(h.app, org.adminToken, authId));
    // No redirectUri given: a plain page says it worked.
    expect(callback.status).toBe(200);
    expect(await callback.text()).toContain('authorized');
    expect(await tokenRow(decodeGlobalId(authId)!.id)).toMatchObject({ holderKind: 'CONNECTOR_AUTH', authStatus: 'ACTIVE' });

    const instance = await deployWithFakeProvider(
      h,
      org,
      oauth,
      definition('oauth-connector-auth', 'connection: { component: http, key: oauth2-authorization-code }', 'auth: "{{ trigger.body.authId }}"'),
      'Dynamic',
    );
    const run = await postWebhook(h.app, instance.webhooks.me!, { url: oauth.resourceUrl, authId: authId });
    expect(run.status).toBe(200);
    expect(run.body).toMatchObject({ sub: 'user-1' });
    const execution = await awaitEnd(h.app, org.adminToken, run.executionId!);
    expect(execution.stepResults.nodes[0]).toMatchObject({ credentialSource: 'DYNAMIC_AUTH', credentialId: decodeGlobalId(authId)!.id });
  });

  it("authorizes an instance's inline connection (target: the instance and its config variable key), and its flow calls the API with the token", async () => {
    const integration = await importAndPublish(
      h.app,
      org.adminToken,
      definition('oauth-inline', 'connection: { component: http, key: oauth2-authorization-code }'),
    );
    const customer = encodeGlobalId('Customer', (await seedCustomer(h.database.db, org.admin)).id);
    const values = JSON.stringify(fakeProviderInputs(oauth));
    const instance = await deployInstance(h.app, org.adminToken, {
      integration: integration.id,
      customer,
      name: 'Inline',
      configVariables: [{ key: 'Provider', values }],
    });

    // Without the key, and with a key that is not an inline connection: field errors, nothing stored.
    const missingKey = await gql(h.app, START, { input: { target: instance.id } }, org.adminToken);
    expect(missingKey.data.startOAuth2Authorization.errors).toEqual([
      { field: 'configVariableKey', messages: [expect.stringContaining('Name the connection config variable')] },
    ]);
    const wrongKey = await gql(h.app, START, { input: { target: instance.id, configVariableKey: 'Nope' } }, org.adminToken);
    expect(wrongKey.data.startOAuth2Authorization.errors[0].field).toBe('configVariableKey');

    const started = await gql(
      h.app,
      START,
      { input: { target: instance.id, configVariableKey: 'Provider', redirectUri: `${VENDOR_UI}/done` } },
      org.adminToken,
    );
    const { callback } = await authorizeInBrowser(h.app, started.data.startOAuth2Authorization.authorization.authorizeUrl);
    expect(callback.headers.get('location')).toBe(`${VENDOR_UI}/done?oauth2=success`);
    const instanceUuid = decodeGlobalId(instance.id)!.id;
    expect(await tokenRow(`${instanceUuid}/Provider`)).toMatchObject({
      holderKind: 'INSTANCE_CONFIG_VARIABLE',
      authStatus: 'ACTIVE',
      customerId: decodeGlobalId(customer)!.id,
    });

    const run = await postWebhook(h.app, instance.webhooks.me!, { url: oauth.resourceUrl });
    expect(run.status).toBe(200);
    expect(run.body).toMatchObject({ sub: 'user-1' });
    const execution = await awaitEnd(h.app, org.adminToken, run.executionId!);
    expect(execution.stepResults.nodes[0]).toMatchObject({ credentialSource: 'INSTANCE_INLINE_CONNECTION', credentialId: `${instanceUuid}/Provider` });

    const listed = await gql(h.app, `{ oauth2Credentials(authStatus: ACTIVE, first: 100) { nodes { holder configVariableKey } } }`, {}, org.adminToken);
    expect(listed.data.oauth2Credentials.nodes).toContainEqual({ holder: instance.id, configVariableKey: 'Provider' });
  });
});
