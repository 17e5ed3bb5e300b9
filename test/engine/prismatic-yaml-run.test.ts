import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRISMATIC_HTTP_YAML } from '../../src/domain/integrations/prismatic-yaml/fixtures';
import { encodeGlobalId } from '../../src/lib/global-id';
import { startFakeApi, type FakeApi } from '../fakes/fake-api';
import { createHarness, type Harness } from '../support/harness';
import { awaitEnd, deployInstance, importAndPublish, postWebhook } from '../support/integrations';
import { seedCustomer, seedOrg, type SeededOrg } from '../support/seed';
import { startTestWorker } from '../support/worker';

/*
 * A Prismatic definitionVersion 7 YAML, written by hand for a flow using only components
 * tenantflow has (webhook trigger, loop, http), imports through the API and runs for a customer.
 */

let h: Harness;
let org: SeededOrg;
let partner: FakeApi;
let worker: Awaited<ReturnType<typeof startTestWorker>>;

beforeAll(async () => {
  h = createHarness();
  org = await seedOrg(h.database.db);
  partner = await startFakeApi();
  worker = await startTestWorker();
});
afterAll(async () => {
  await worker.stop();
  await partner.close();
  await h.close();
});

describe('a Prismatic YAML integration', () => {
  it('runs: the webhook reference, the loop item, the template, the complex headers and the connection reach the API', async () => {
    partner.on('POST /tickets/:id', (request, params) => ({
      status: 201,
      json: { stored: params.id, subject: (request.json as { subject: string }).subject },
    }));
    const apiKey = 'partner-secret-key-1234';
    partner.requireHeader('x-api-key', apiKey);
    const integration = await importAndPublish(h.app, org.adminToken, PRISMATIC_HTTP_YAML);
    const customer = encodeGlobalId('Customer', (await seedCustomer(h.database.db, org.admin)).id);
    const values = JSON.stringify([
      { name: 'headerName', type: 'value', value: 'X-Api-Key' },
      { name: 'apiKey', type: 'value', value: apiKey },
    ]);
    const instance = await deployInstance(h.app, org.adminToken, {
      integration: integration.id,
      customer,
      name: 'Relay',
      configVariables: [
        { key: 'Partner URL', value: partner.url },
        { key: 'Partner API', values },
      ],
    });

    const tickets = [
      { id: 't-1', subject: 'Printer on fire' },
      { id: 't-2', subject: 'Coffee machine' },
    ];
    const webhookUrl = `${instance.webhooks['relay-tickets']!}?customer=acme-42`;
    const response = await postWebhook(h.app, webhookUrl, { tickets });
    expect(response.status).toBe(200);

    const execution = await awaitEnd(h.app, org.adminToken, response.executionId!);
    expect(execution.status).toBe('SUCCEEDED');
    const sent = partner.requestsTo('POST /tickets/:id');
    expect(sent.map((request) => [request.path, request.json, request.headers['x-customer'], request.headers['content-type']])).toEqual(
      tickets.map((ticket) => [`/tickets/${ticket.id}`, { subject: ticket.subject }, 'acme-42', 'application/json']),
    );
    expect(sent.every((request) => request.headers['x-api-key'] === apiKey)).toBe(true);
    expect(JSON.stringify(execution)).not.toContain(apiKey);
  });
});
