import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeGlobalId, encodeGlobalId } from '../../src/lib/global-id';
import { startFakeApi, type FakeApi } from '../fakes/fake-api';
import { connectionId, createCustomerValues, createScoped } from '../support/connections';
import { createHarness, type Harness } from '../support/harness';
import { acmeRecordDefinition, awaitEnd, deployInstance, importAndPublish, postWebhook } from '../support/integrations';
import { seedCustomer, seedOrg, type SeededOrg } from '../support/seed';
import { startTestWorker } from '../support/worker';

/*
 * Finding 3 for values stored before the rule existed: a customer-activated connection whose `apiKey` is
 * global while each customer sets `baseUrl`. New writes are refused (test/security/customer-steals-global-
 * secret.test.ts); values already stored must not be used either, or the customer's URL still receives the
 * organization's key. The step fails naming the connection and both inputs, and no request is sent.
 */

const DEFINITION = acmeRecordDefinition({ stableKey: 'legacy-destination', connectionStableKey: 'acme-legacy-split' });

let h: Harness;
let org: SeededOrg;
let api: FakeApi;
let worker: Awaited<ReturnType<typeof startTestWorker>>;

beforeAll(async () => {
  h = createHarness();
  org = await seedOrg(h.database.db);
  api = await startFakeApi();
  api.on('POST /records', { status: 201, json: { id: 'rec-1' } });
  worker = await startTestWorker();
});
afterAll(async () => {
  await worker.stop();
  await api.close();
  await h.close();
});

describe('a connection saved before the destination rule', () => {
  it('is not used at run time: the step fails naming both inputs and no request reaches the customer-set URL', async () => {
    const acme = await connectionId(h.app, org.adminToken, 'acme-api', 'api-key');
    const scv = await createScoped(h.app, org.adminToken, {
      key: 'Acme legacy',
      stableKey: 'acme-legacy-split',
      variableScope: 'customer',
      managedBy: 'customer',
      connection: acme,
    });
    const customer = encodeGlobalId('Customer', (await seedCustomer(h.database.db, org.admin)).id);
    await createCustomerValues(h.app, org.adminToken, {
      scopedConfigVariable: scv.id,
      customer,
      inputs: [
        { name: 'apiKey', type: 'value', value: 'legacy-customer-key' },
        { name: 'baseUrl', type: 'value', value: api.url },
      ],
    });
    // As a release without the rule could have stored it: the key made global, the URL left to the customer.
    await h.database.db.execute(
      sql`update scoped_config_variables set input_scopes = '{"apiKey":"org","baseUrl":"customer"}'::jsonb where id = ${decodeGlobalId(scv.id)!.id}`,
    );
    const integration = await importAndPublish(h.app, org.adminToken, DEFINITION);
    const instance = await deployInstance(h.app, org.adminToken, { integration: integration.id, customer, name: 'Legacy' });

    const answer = await postWebhook(h.app, instance.webhooks.create!, { name: 'x' });
    const execution = await awaitEnd(h.app, org.adminToken, answer.executionId!);
    expect(execution.status).toBe('FAILED');
    const [step] = execution.stepResults.nodes;
    expect(step).toMatchObject({ stepName: 'Create record', status: 'FAILED' });
    expect(step.error).toMatch(/^Connection "Acme" cannot be used until an admin changes it: Input "apiKey" is a global secret, so "baseUrl"/);
    expect(api.requests).toHaveLength(0);
  });
});
