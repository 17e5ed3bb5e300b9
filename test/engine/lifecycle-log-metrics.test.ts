import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logQueuedExecutions } from '../../src/execution/lifecycle-log';
import { decodeGlobalId, encodeGlobalId } from '../../src/lib/global-id';
import { createLogger } from '../../src/log';
import { startFakeApi, type FakeApi } from '../fakes/fake-api';
import { connectionId, createCustomerValues, createScoped } from '../support/connections';
import { createHarness, type Harness } from '../support/harness';
import { acmeRecordDefinition, awaitEnd, deployInstance, importAndPublish, postWebhook } from '../support/integrations';
import { capturedLogLines, captureLog } from '../support/log-capture';
import { parsePrometheusText, sampleValue } from '../support/prometheus-text';
import { seedCustomer, seedOrg, type SeededOrg } from '../support/seed';
import { startTestWorker } from '../support/worker';

const API_KEY = 'lifecycle-canary-api-key';
let h: Harness;
let org: SeededOrg;
let api: FakeApi;
let worker: Awaited<ReturnType<typeof startTestWorker>>;
let webhook: string;
let customerId: string;
let stopLoggingQueued: () => void;

beforeAll(async () => {
  h = createHarness();
  stopLoggingQueued = logQueuedExecutions(createLogger('info', captureLog));
  org = await seedOrg(h.database.db);
  api = await startFakeApi();
  worker = await startTestWorker();
  const acme = await connectionId(h.app, org.adminToken, 'acme-api', 'api-key');
  const scv = await createScoped(h.app, org.adminToken, {
    key: 'Acme',
    stableKey: 'acme-lifecycle',
    variableScope: 'customer',
    connection: acme,
    inputs: [{ name: 'baseUrl', type: 'value', value: api.url }],
  });
  customerId = (await seedCustomer(h.database.db, org.admin, { name: 'Lifecycle Co' })).id;
  const customer = encodeGlobalId('Customer', customerId);
  await createCustomerValues(h.app, org.adminToken, { scopedConfigVariable: scv.id, customer, inputs: [{ name: 'apiKey', type: 'value', value: API_KEY }] });
  const integration = await importAndPublish(h.app, org.adminToken, acmeRecordDefinition({ stableKey: 'lifecycle', connectionStableKey: 'acme-lifecycle' }));
  webhook = (await deployInstance(h.app, org.adminToken, { integration: integration.id, customer, name: 'Lifecycle' })).webhooks.create!;
});
afterAll(async () => {
  stopLoggingQueued();
  await worker.stop();
  await api.close();
  await h.close();
});

const scrape = async () => parsePrometheusText(await (await h.app.fetch('http://127.0.0.1/metrics')).text());
const linesOf = (executionId: string) =>
  capturedLogLines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.executionId === executionId);

async function run(name: string) {
  const started = await postWebhook(h.app, webhook, { name: `${name} payload-canary` });
  const end = await awaitEnd(h.app, org.adminToken, started.executionId!);
  return { executionId: decodeGlobalId(started.executionId!)!.id, end };
}

describe('execution lifecycle in the operator log and in /metrics', () => {
  it('queued, started, step retried with its reason, succeeded: ids on every line, no payload or secret', async () => {
    api.script('POST /records', [
      { status: 503, json: { echo: 'upstream-body-canary' } },
      { status: 201, json: { id: 'r-1' } },
    ]);
    const before = await scrape();
    const { executionId, end } = await run('retried');
    expect(end.status).toBe('SUCCEEDED');
    const lines = linesOf(executionId);
    expect(lines.map((line) => line.msg)).toEqual(['execution queued', 'execution started', 'step retried', 'execution succeeded']);
    for (const line of lines) expect(line).toMatchObject({ executionId, orgId: org.orgId, customerId });
    expect(lines[2]).toMatchObject({ attempt: 1, reason: expect.stringContaining('503') });
    for (const leak of [API_KEY, 'payload-canary', 'upstream-body-canary', 'r-1']) expect(JSON.stringify(lines)).not.toContain(leak);

    const after = await scrape();
    const delta = (name: string, labels: Record<string, string>) => sampleValue(after, name, labels) - sampleValue(before, name, labels);
    // At least: this worker also takes executions other test files left queued in the shared database.
    expect(delta('tenantflow_executions_ended_total', { status: 'SUCCEEDED' })).toBeGreaterThanOrEqual(1);
    expect(delta('tenantflow_step_retries_total', { component: 'acme-api' })).toBeGreaterThanOrEqual(1);
    expect(delta('tenantflow_step_duration_seconds_count', { component: 'acme-api', status: 'SUCCEEDED' })).toBeGreaterThanOrEqual(1);
  });

  it('a failed run: an execution failed line (warn) without the upstream error text, and the FAILED count moves', async () => {
    api.script('POST /records', [{ status: 400, json: { echo: 'upstream-error-canary' } }]);
    const before = await scrape();
    const { executionId, end } = await run('rejected');
    expect(end.status).toBe('FAILED');
    const failed = linesOf(executionId).find((line) => line.msg === 'execution failed');
    expect(failed).toMatchObject({ level: 40, executionId, orgId: org.orgId, customerId, status: 'FAILED' });
    expect(JSON.stringify(linesOf(executionId))).not.toContain('upstream-error-canary');
    const after = await scrape();
    expect(
      sampleValue(after, 'tenantflow_executions_ended_total', { status: 'FAILED' }) -
        sampleValue(before, 'tenantflow_executions_ended_total', { status: 'FAILED' }),
    ).toBeGreaterThanOrEqual(1);
  });
});
