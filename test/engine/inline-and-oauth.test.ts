import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeGlobalId } from '../../src/lib/global-id';
import { DEFAULT_CLIENT, startFakeOAuthServer, type FakeOAuthServer } from '../fakes/fake-oauth-server';
import { createHarness, type Harness } from '../support/harness';
import { awaitEnd, deployInstance, importAndPublish, postWebhook } from '../support/integrations';
import { seedCustomer, seedOrg, type SeededOrg } from '../support/seed';
import { startTestWorker } from '../support/worker';

const DEFINITION = `
name: Client credentials
stableKey: client-credentials
requiredConfigVars:
  - key: Partner API
    dataType: connection
    connection: { component: http, key: oauth2-client-credentials }
  - key: Resource
    dataType: string
flows:
  - name: Fetch me
    stableKey: fetch-me
    trigger: { type: webhook, synchronous: true }
    steps:
      - name: Who am I
        action: { component: http, key: http-request }
        connection: Partner API
        inputs:
          method: GET
          url: "{{ configVars.Resource }}"
`;

let h: Harness;
let org: SeededOrg;
let oauth: FakeOAuthServer;
let worker: Awaited<ReturnType<typeof startTestWorker>>;

beforeAll(async () => {
  h = createHarness();
  org = await seedOrg(h.database.db);
  oauth = await startFakeOAuthServer({ accessTokenTtlSeconds: 3600 });
  worker = await startTestWorker();
});
afterAll(async () => {
  await worker.stop();
  await oauth.close();
  await h.close();
});

describe('an inline OAuth 2.0 client-credentials connection', () => {
  it('gets a token once, reuses it for later runs, and answers synchronous webhooks with the result', async () => {
    const integration = await importAndPublish(h.app, org.adminToken, DEFINITION);
    const customer = encodeGlobalId('Customer', (await seedCustomer(h.database.db, org.admin)).id);
    const values = JSON.stringify([
      { name: 'tokenUrl', type: 'value', value: oauth.tokenUrl },
      { name: 'clientId', type: 'value', value: DEFAULT_CLIENT.clientId },
      { name: 'clientSecret', type: 'value', value: DEFAULT_CLIENT.clientSecret },
    ]);
    const instance = await deployInstance(h.app, org.adminToken, {
      integration: integration.id,
      customer,
      name: 'Partner',
      configVariables: [
        { key: 'Partner API', values },
        { key: 'Resource', value: oauth.resourceUrl },
      ],
    });

    const first = await postWebhook(h.app, instance.webhooks['fetch-me']!, {});
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ client_id: DEFAULT_CLIENT.clientId });
    const second = await postWebhook(h.app, instance.webhooks['fetch-me']!, {});
    expect(second.status).toBe(200);
    expect(oauth.tokenRequestCount).toBe(1);
    expect(oauth.tokenRequests[0]).toMatchObject({ grantType: 'client_credentials', authMethod: 'client_secret_basic', status: 200 });
    expect(oauth.resourceRequestCount).toBe(2);

    const execution = await awaitEnd(h.app, org.adminToken, second.executionId!);
    expect(execution.stepResults.nodes[0]).toMatchObject({ credentialSource: 'INSTANCE_INLINE_CONNECTION', credentialRule: 3 });
    expect(JSON.stringify(execution)).not.toContain(DEFAULT_CLIENT.clientSecret);
  });
});
