import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeGlobalId } from '../../src/lib/global-id';
import { startFakeApi, type FakeApi } from '../fakes/fake-api';
import { createHarness, type Harness } from '../support/harness';
import { awaitEnd, deployInstance, importAndPublish, postWebhook } from '../support/integrations';
import { seedCustomer, seedOrg, type SeededOrg } from '../support/seed';
import { startTestWorker } from '../support/worker';

/*
 * Finding 7 (stored output): a step's output was stored whole, whatever its size. What is stored is bounded
 * (RUN_MAX_STORED_OUTPUT_BYTES) with a marker; later steps of the run still see the whole value.
 */

const LIMIT = 4096;
const DEFINITION = `
name: Big output
stableKey: big-output
requiredConfigVars:
  - key: Big URL
    dataType: string
flows:
  - name: Big
    stableKey: big
    trigger: { type: webhook }
    steps:
      - name: Fetch big
        action: { component: http, key: http-request }
        inputs: { method: GET, url: "{{ configVars['Big URL'] }}" }
      - name: Measure
        type: set-variables
        variables:
          itemCount: "{{ steps['Fetch big'].results.items | size }}"
`;

let h: Harness;
let org: SeededOrg;
let api: FakeApi;
let worker: Awaited<ReturnType<typeof startTestWorker>>;

beforeAll(async () => {
  h = createHarness();
  org = await seedOrg(h.database.db);
  api = await startFakeApi({ idempotency: false });
  api.on('GET /big', { status: 200, json: { items: Array.from({ length: 2000 }, (_, i) => ({ i, text: 'x'.repeat(40) })) } });
  worker = await startTestWorker({ maxStoredOutputBytes: LIMIT });
});
afterAll(async () => {
  await worker.stop();
  await api.close();
  await h.close();
});

describe('a step output larger than the stored budget', () => {
  it('is stored truncated with a marker, while the next step sees all of it', async () => {
    const integration = await importAndPublish(h.app, org.adminToken, DEFINITION);
    const customer = encodeGlobalId('Customer', (await seedCustomer(h.database.db, org.admin)).id);
    const instance = await deployInstance(h.app, org.adminToken, {
      integration: integration.id,
      customer,
      name: 'Big',
      configVariables: [{ key: 'Big URL', value: `${api.url}/big` }],
    });
    const started = await postWebhook(h.app, instance.webhooks.big!, {});
    const execution = await awaitEnd(h.app, org.adminToken, started.executionId!);
    expect(execution.status).toBe('SUCCEEDED');
    const [fetched, measured] = execution.stepResults.nodes;
    expect(fetched.output).toMatchObject({ truncated: true, message: expect.stringContaining(`exceeds the stored limit of ${LIMIT} bytes`) });
    expect(fetched.output.preview.startsWith('{"items":[{"i":0,')).toBe(true);
    expect(Buffer.byteLength(JSON.stringify(fetched.output))).toBeLessThanOrEqual(LIMIT);
    expect(measured.output).toEqual({ itemCount: 2000 });
  });
});
