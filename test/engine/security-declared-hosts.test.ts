import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeGlobalId } from '../../src/lib/global-id';
import { startFakeApi, type FakeApi } from '../fakes/fake-api';
import { createHarness, type Harness } from '../support/harness';
import { awaitEnd, deployInstance, importAndPublish, postWebhook } from '../support/integrations';
import { seedCustomer, seedOrg, type SeededOrg } from '../support/seed';
import { startTestWorker } from '../support/worker';

/*
 * Finding 3 at run time: a connection that declares the hosts its requests may reach (salesforce:
 * *.salesforce.com) must not send its credential anywhere else, whatever its instance URL says. The step
 * fails naming the connection and the host, and no request is sent.
 */

const DEFINITION = `
name: Declared hosts
stableKey: declared-hosts
requiredConfigVars:
  - key: Salesforce
    dataType: connection
    connection: { component: salesforce, key: username-password }
flows:
  - name: Query
    stableKey: query
    trigger: { type: webhook, synchronous: true }
    steps:
      - name: Query accounts
        action: { component: salesforce, key: query }
        connection: Salesforce
        inputs: { soql: "SELECT Id FROM Account" }
`;

let h: Harness;
let org: SeededOrg;
let api: FakeApi;
let worker: Awaited<ReturnType<typeof startTestWorker>>;

beforeAll(async () => {
  h = createHarness();
  org = await seedOrg(h.database.db);
  api = await startFakeApi({ idempotency: false });
  api.setDefault({ status: 200, json: { records: [] } });
  worker = await startTestWorker();
});
afterAll(async () => {
  await worker.stop();
  await api.close();
  await h.close();
});

describe('a connection with declared hosts', () => {
  it('refuses a rendered URL outside them: a clear step error, and no request reaches the server', async () => {
    const integration = await importAndPublish(h.app, org.adminToken, DEFINITION);
    const customer = encodeGlobalId('Customer', (await seedCustomer(h.database.db, org.admin)).id);
    const values = JSON.stringify([
      // The token request would go to 127.0.0.1 too: refused the same way, before any request.
      { name: 'tokenUrl', type: 'value', value: `${api.url}/services/oauth2/token` },
      { name: 'clientId', type: 'value', value: 'declared-hosts-client' },
      { name: 'clientSecret', type: 'value', value: 'declared-hosts-client-secret' },
      { name: 'instanceUrl', type: 'value', value: api.url },
      { name: 'username', type: 'value', value: 'ops@vendor.example' },
      { name: 'password', type: 'value', value: 'declared-hosts-password' },
      { name: 'securityToken', type: 'value', value: 'declared-hosts-token' },
    ]);
    const instance = await deployInstance(h.app, org.adminToken, {
      integration: integration.id,
      customer,
      name: 'SF',
      configVariables: [{ key: 'Salesforce', values }],
    });

    const answer = await postWebhook(h.app, instance.webhooks.query!, {});
    expect(answer.status).toBe(500);
    const execution = await awaitEnd(h.app, org.adminToken, answer.executionId!);
    expect(execution.status).toBe('FAILED');
    expect(execution.stepResults.nodes[0]).toMatchObject({ stepName: 'Query accounts', status: 'FAILED', credentialRule: 3 });
    expect(execution.stepResults.nodes[0].error).toBe(
      'Connection "Salesforce" (salesforce/username-password) may only send requests to *.salesforce.com; host "127.0.0.1" was refused and no request was sent.',
    );
    expect(api.requests).toHaveLength(0);
  });
});
