import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { encodeGlobalId } from '../../src/lib/global-id';
import { startFakeApi, type FakeApi } from '../fakes/fake-api';
import { startFakeOAuthServer, DEFAULT_CLIENT, type FakeOAuthServer } from '../fakes/fake-oauth-server';
import { createHarness, gql, type Harness } from '../support/harness';
import { awaitEnd, deployInstance, importAndPublish, postWebhook } from '../support/integrations';
import { seedCustomer, seedOrg, type SeededOrg } from '../support/seed';
import { startTestWorker } from '../support/worker';

/*
 * Salesforce's username-password connection exchanges the user's password (followed by the security token)
 * for a session at the token URL (OAuth 2.0 password grant), then calls the API with that bearer token.
 * The catalog's connection is tested as it is, except that its declared hosts (*.salesforce.com) would
 * refuse the fakes on 127.0.0.1: the test imports a copy of the component without them.
 */

const USER = { username: 'ops@vendor.example', password: 'pw-0123', securityToken: 'TOKEN456' };

function localSalesforce(): string {
  const component = YAML.parse(fs.readFileSync('src/domain/components/catalog/salesforce.yaml', 'utf8'));
  component.key = 'salesforce-local';
  for (const connection of component.connections) delete connection.destination.hosts;
  return YAML.stringify(component);
}

const DEFINITION = `
name: Salesforce password grant
stableKey: salesforce-password-grant
requiredConfigVars:
  - key: Salesforce
    dataType: connection
    connection: { component: salesforce-local, key: username-password }
flows:
  - name: Query
    stableKey: query
    trigger: { type: webhook, synchronous: true }
    steps:
      - name: Query accounts
        action: { component: salesforce-local, key: query }
        connection: Salesforce
        inputs: { soql: "SELECT Id FROM Account" }
`;

let h: Harness;
let org: SeededOrg;
let oauth: FakeOAuthServer;
let api: FakeApi;
let worker: Awaited<ReturnType<typeof startTestWorker>>;

beforeAll(async () => {
  h = createHarness();
  org = await seedOrg(h.database.db);
  oauth = await startFakeOAuthServer({ users: [{ username: USER.username, password: `${USER.password}${USER.securityToken}` }] });
  api = await startFakeApi({ idempotency: false });
  // The API accepts what the provider issued: the bearer token is checked against the fake provider.
  api.on('GET /services/data/v62.0/query', async (request) => {
    const check = await fetch(oauth.resourceUrl, { headers: { authorization: request.headers.authorization ?? '' } });
    return check.ok ? { status: 200, json: { totalSize: 1, records: [{ Id: '001' }] } } : { status: 401, json: [{ errorCode: 'INVALID_SESSION_ID' }] };
  });
  worker = await startTestWorker();
  const imported = await gql(
    h.app,
    `mutation($d: String!) { importComponent(input: { definition: $d }) { errors { field messages } } }`,
    { d: localSalesforce() },
    org.adminToken,
  );
  expect(imported.data.importComponent.errors).toEqual([]);
});
afterAll(async () => {
  await worker.stop();
  await api.close();
  await oauth.close();
  await h.close();
});

async function deploy(password: string) {
  const integration = await importAndPublish(h.app, org.adminToken, DEFINITION);
  const customer = encodeGlobalId('Customer', (await seedCustomer(h.database.db, org.admin)).id);
  const values = JSON.stringify([
    { name: 'tokenUrl', type: 'value', value: oauth.tokenUrl },
    { name: 'clientId', type: 'value', value: DEFAULT_CLIENT.clientId },
    { name: 'clientSecret', type: 'value', value: DEFAULT_CLIENT.clientSecret },
    { name: 'instanceUrl', type: 'value', value: api.url },
    { name: 'username', type: 'value', value: USER.username },
    { name: 'password', type: 'value', value: password },
    { name: 'securityToken', type: 'value', value: USER.securityToken },
  ]);
  const instance = await deployInstance(h.app, org.adminToken, {
    integration: integration.id,
    customer,
    name: 'SF',
    configVariables: [{ key: 'Salesforce', values }],
  });
  return instance.webhooks.query!;
}

describe('Salesforce username-password connection', () => {
  it('asks the token URL with grant_type=password (password + security token, client secret in the body), then calls the API with the bearer token, never Basic', async () => {
    const webhook = await deploy(USER.password);
    const answer = await postWebhook(h.app, webhook, {});
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ totalSize: 1, records: [{ Id: '001' }] });

    expect(oauth.tokenRequests.map((r) => [r.grantType, r.authMethod, r.status])).toEqual([['password', 'client_secret_post', 200]]);
    const call = api.requestsTo('GET /services/data/v62.0/query')[0]!;
    expect(call.headers.authorization).toMatch(/^Bearer \S+$/);
    expect(JSON.stringify(call.headers)).not.toContain(USER.password);

    // The session is reused while it lives: a second run asks no new token.
    expect((await postWebhook(h.app, webhook, {})).status).toBe(200);
    expect(oauth.tokenRequestCount).toBe(1);
  });

  it('a wrong password fails the step with the provider error and sends nothing to the API', async () => {
    const webhook = await deploy('wrong-password');
    const before = api.requests.length;
    const answer = await postWebhook(h.app, webhook, {});
    const execution = await awaitEnd(h.app, org.adminToken, answer.executionId!);
    expect(execution.status).toBe('FAILED');
    expect(execution.stepResults.nodes[0].error).toContain('invalid_grant');
    expect(execution.stepResults.nodes[0].error).not.toContain('wrong-password');
    expect(api.requests.length).toBe(before);
  });
});
