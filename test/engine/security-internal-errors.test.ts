import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeGlobalId, encodeGlobalId } from '../../src/lib/global-id';
import { createHarness, type Harness } from '../support/harness';
import { awaitEnd, deployInstance, importAndPublish, postWebhook } from '../support/integrations';
import { capturedLogLines } from '../support/log-capture';
import { seedCustomer, seedOrg, type SeededOrg } from '../support/seed';
import { startTestWorker } from '../support/worker';

/*
 * A run that ends on an error of ours (here PostgreSQL refusing to store a step output: jsonb has no \u0000) must
 * not hand the customer the driver's message, which carries the SQL text and every bound parameter. The
 * execution's error names the execution for the operator; the operator log has one short line without the
 * parameters.
 */

const DEFINITION = `
name: Internal errors
stableKey: internal-errors
flows:
  - name: Store
    stableKey: store
    trigger: { type: webhook }
    steps:
      - name: Keep the payload
        type: set-variables
        variables:
          text: "{{ '%00' | url_decode }}{{ trigger.body.text }}"
`;

let h: Harness;
let org: SeededOrg;
let worker: Awaited<ReturnType<typeof startTestWorker>>;

beforeAll(async () => {
  h = createHarness();
  org = await seedOrg(h.database.db);
  worker = await startTestWorker();
});
afterAll(async () => {
  await worker.stop();
  await h.close();
});

describe('an execution that fails on an internal error', () => {
  it('shows customers a generic error naming the execution, and logs one short line without SQL parameters', async () => {
    const integration = await importAndPublish(h.app, org.adminToken, DEFINITION);
    const customer = encodeGlobalId('Customer', (await seedCustomer(h.database.db, org.admin)).id);
    const instance = await deployInstance(h.app, org.adminToken, { integration: integration.id, customer, name: 'Internal errors' });
    const marker = `internal-errors-marker-${Date.now()}`;
    const logsBefore = capturedLogLines.length;

    const answer = await postWebhook(h.app, instance.webhooks.store!, { text: marker });
    const execution = await awaitEnd(h.app, org.adminToken, answer.executionId!);

    expect(execution.status).toBe('FAILED');
    const executionId = decodeGlobalId(answer.executionId!)!.id;
    expect(execution.error).toBe(`Execution failed because of an internal error; the operator log has the cause under execution ${executionId}.`);
    const lines = capturedLogLines.slice(logsBefore).filter((line) => line.includes(executionId!));
    const failure = lines.find((line) => line.includes('execution failed unexpectedly'));
    expect(failure).toBeDefined();
    expect(failure!.length).toBeLessThan(3_000);
    expect(failure).not.toContain(marker);
    expect(failure).not.toMatch(/params:/);
  });
});
