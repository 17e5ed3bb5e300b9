import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOAuthServer, type FakeOAuthServer } from '../fakes/fake-oauth-server';
import { createHarness, gql, type Harness } from '../support/harness';
import { authorizeInBrowser, deployWithFakeProvider, lateOAuth2Callback } from '../support/oauth2';
import { seedOrg, type SeededOrg } from '../support/seed';

// The status of an instance's inline OAuth 2.0 authorization-code connection follows its tokens: authorize, disconnect, authorize again.

let h: Harness;
let org: SeededOrg;
let oauth: FakeOAuthServer;
let closeCallback: () => Promise<void>;

const definition = (stableKey: string, userAuthentication = '') => `name: Provider records
stableKey: ${stableKey}
requiredConfigVars:
  - key: Provider
    dataType: connection
    connection: { component: http, key: oauth2-authorization-code }${userAuthentication}
flows:
  - name: Hook
    stableKey: hook
    trigger: { type: webhook }
    steps:
      - { name: Me, action: { component: http, key: http-request }, connection: Provider, inputs: { method: GET, url: "https://api.example.com/me" } }
`;

const STATE = `query($id: ID!) { instance(id: $id) {
  configState missingConfiguration { key message } configVariables { nodes { id key status authorizeUrl } } } }`;
const DISCONNECT = `mutation($id: ID!) { disconnectConnection(input: { id: $id }) { instanceConfigVariable { key status } errors { field messages } } }`;

async function stateOf(id: string) {
  const instance = (await gql(h.app, STATE, { id }, org.adminToken)).data.instance;
  const [provider] = instance.configVariables.nodes;
  return { configState: instance.configState, missing: instance.missingConfiguration, status: provider.status, provider };
}

async function authorize(id: string) {
  const { provider } = await stateOf(id);
  expect(provider.authorizeUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
  const { callback } = await authorizeInBrowser(h.app, provider.authorizeUrl);
  expect(callback.status).toBeLessThan(400);
}

const notAuthorized = {
  configState: 'NEEDS_INSTANCE_CONFIGURATION',
  missing: [{ key: 'Provider', message: 'Connection "Provider" is not authorized: send the browser to its authorizeUrl (or use startOAuth2Authorization).' }],
  status: 'PENDING',
};
const authorized = { configState: 'FULLY_CONFIGURED', missing: [], status: 'ACTIVE' };

beforeAll(async () => {
  const callback = lateOAuth2Callback();
  h = createHarness({ routes: [callback.route] });
  closeCallback = callback.attach(h);
  org = await seedOrg(h.database.db);
  oauth = await startFakeOAuthServer();
});
afterAll(async () => {
  await closeCallback();
  await oauth.close();
  await h.close();
});

describe('an inline OAuth 2.0 authorization-code connection', () => {
  it('is PENDING until authorized, PENDING again after disconnectConnection, and ACTIVE once authorized again', async () => {
    const { id } = await deployWithFakeProvider(h, org, oauth, definition(`provider-records-${Date.now()}`), 'Provider records');
    expect(await stateOf(id)).toMatchObject(notAuthorized);

    await authorize(id);
    expect(await stateOf(id)).toMatchObject(authorized);

    const { provider } = await stateOf(id);
    const res = await gql(h.app, DISCONNECT, { id: provider.id }, org.adminToken);
    expect(res.data.disconnectConnection).toEqual({ instanceConfigVariable: { key: 'Provider', status: 'PENDING' }, errors: [] });
    expect(await stateOf(id)).toMatchObject(notAuthorized);

    await authorize(id);
    expect(await stateOf(id)).toMatchObject(authorized);
  });

  it('with user authentications enabled needs no authorization of its own: each user authorizes theirs', async () => {
    const settings = '\n    userAuthentication: { enabled: true, nonInteractivePolicy: END_WITH_ERROR }';
    const { id } = await deployWithFakeProvider(h, org, oauth, definition(`provider-users-${Date.now()}`, settings), 'Provider users');
    expect(await stateOf(id)).toMatchObject(authorized);
  });
});
