import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, asc, eq, isNotNull } from 'drizzle-orm';
import { executions, instances } from '../../src/db/tables';
import { fireDueSchedules } from '../../src/execution/schedules';
import { decodeGlobalId, encodeGlobalId } from '../../src/lib/global-id';
import { startFakeApi, type FakeApi } from '../fakes/fake-api';
import { apiKeyOf, fanOutIntegration, seedFanOutCustomers } from '../support/fan-out';
import { createHarness, gql, type Harness } from '../support/harness';
import { capturedLogLines } from '../support/log-capture';
import { seedOrg, type SeededOrg } from '../support/seed';
import { startTestWorker } from '../support/worker';

let h: Harness;
let org: SeededOrg;
let api: FakeApi;
let worker: Awaited<ReturnType<typeof startTestWorker>>;

const RUN_FLOW = `mutation($input: RunFlowInput!) { runFlow(input: $input) { execution { id status } errors { field messages } } }`;
const PARENT = `query($id: ID!) { executionResult(id: $id) {
  id status error invokeType isTestExecution customer { id } parent { id }
  fanOut { total queued running succeeded failed labels maxConcurrency maxConcurrencyPerHost }
  children(first: 100) { totalCount }
  failedChildren: children(status: FAILED, first: 10) { nodes { id status error customer { externalId } parent { id } } }
} }`;

beforeAll(async () => {
  h = createHarness();
  org = await seedOrg(h.database.db);
  api = await startFakeApi();
  // More worker slots than any fan-out limit below, so only the fan-out's own limits hold children back.
  worker = await startTestWorker({ workerConcurrency: 16, stepMaxAttempts: 4, stepRetryBaseMs: 40 });
});
afterAll(async () => {
  await worker.stop();
  await api.close();
  await h.close();
});

/**
 * Posts to a record per customer: the body names the customer, the API key must be that customer's. The
 * failing customer's API answers 500, slowly, every time.
 */
function answerRecords(failing: string | null, delayMs: number) {
  api.reset();
  api.on('POST /records', (request) => {
    const name = (request.json as { name: string }).name;
    if (request.headers['x-api-key'] !== apiKeyOf(name)) return { status: 401, json: { error: 'wrong key' } };
    if (name === failing) return { status: 500, delayMs: 200, json: { error: 'down for this customer' } };
    return { status: 201, delayMs, json: { id: `record-${name}` } };
  });
}

async function runFanOut(integrationId: string) {
  const res = await gql(h.app, RUN_FLOW, { input: { integration: integrationId, flow: 'sync' } }, org.adminToken);
  expect(res.data.runFlow.errors).toEqual([]);
  return res.data.runFlow.execution.id as string;
}

async function awaitParent(id: string, withinMs = 40_000) {
  for (const until = Date.now() + withinMs; Date.now() < until;) {
    const parent = (await gql(h.app, PARENT, { id }, org.adminToken)).data.executionResult;
    if (parent.status === 'SUCCEEDED' || parent.status === 'FAILED') return parent;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`fan-out ${id} did not end within ${withinMs} ms`);
}

/** Applied effects per customer name: each customer's record must be created exactly once. */
function createdPerCustomer() {
  const counts = new Map<string, number>();
  for (const request of api.appliedEffects('POST /records')) {
    const name = (request.json as { name: string }).name;
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return counts;
}

describe('fan-out to customers', () => {
  it('runs 200 customers exactly once each, never more than maxConcurrency at once, and one failing customer holds back no one', async () => {
    const integration = await fanOutIntegration(h, org, api.url, '{ type: api, fanOut: { to: customers, maxConcurrency: 6 } }');
    const customers = await seedFanOutCustomers({ db: h.database.db, vault: h.vault }, org, integration, 200);
    // The first instance is dispatched first, so its retries overlap everyone else's runs.
    const [first] = await h.database.db
      .select({ customerId: instances.customerId })
      .from(instances)
      .where(eq(instances.integrationId, integration.integrationId))
      .orderBy(asc(instances.id))
      .limit(1);
    const failing = customers.find((c) => c.id === first!.customerId)!.externalId;
    answerRecords(failing, 15);

    const parent = await awaitParent(await runFanOut(integration.id));

    const created = createdPerCustomer();
    expect(created.size).toBe(199);
    expect([...created.values()].every((n) => n === 1)).toBe(true);
    expect(customers.filter((c) => c.externalId !== failing).every((c) => created.get(c.externalId) === 1)).toBe(true);
    expect(api.requestsTo('POST /records').every((r) => r.answered !== 401)).toBe(true);
    expect(api.peakConcurrency()).toBeLessThanOrEqual(6);
    expect(api.peakConcurrency()).toBeGreaterThan(1);
    // The failing customer retried within its own slot while the others went on.
    const failingRequests = api.requestsTo('POST /records').filter((r) => (r.json as { name: string }).name === failing);
    expect(failingRequests).toHaveLength(4);
    expect(new Set(failingRequests.map((r) => r.idempotencyKey)).size).toBe(1);
    const during = api
      .requestsTo('POST /records')
      .filter((r) => r.receivedAt > failingRequests[0]!.receivedAt && r.receivedAt < failingRequests.at(-1)!.receivedAt && r.answered === 201);
    expect(during.length).toBeGreaterThanOrEqual(3);

    expect(parent).toMatchObject({
      status: 'FAILED',
      error: 'Fan-out: 1 of 200 customer runs failed, 199 succeeded; each child run has its error.',
      invokeType: 'API',
      isTestExecution: false,
      customer: null,
      parent: null,
      fanOut: { total: 200, queued: 0, running: 0, succeeded: 199, failed: 1, labels: [], maxConcurrency: 6, maxConcurrencyPerHost: null },
      children: { totalCount: 200 },
    });
    expect(parent.failedChildren.nodes).toEqual([
      {
        id: expect.any(String),
        status: 'FAILED',
        error: expect.stringContaining('HTTP 500'),
        customer: { externalId: failing },
        parent: { id: parent.id },
      },
    ]);
    const children = await h.database.db
      .select({ instanceId: executions.instanceId })
      .from(executions)
      .where(eq(executions.parentExecutionId, decodeGlobalId(parent.id)!.id));
    expect(new Set(children.map((c) => c.instanceId)).size).toBe(200);
  });

  it('holds requests to one host to maxConcurrencyPerHost across the fan-out', async () => {
    const integration = await fanOutIntegration(h, org, api.url, '{ type: api, fanOut: { to: customers, maxConcurrency: 8, maxConcurrencyPerHost: 2 } }');
    const customers = await seedFanOutCustomers({ db: h.database.db, vault: h.vault }, org, integration, 30);
    answerRecords(null, 30);

    const parent = await awaitParent(await runFanOut(integration.id));

    expect(parent).toMatchObject({ status: 'SUCCEEDED', error: null, fanOut: { total: 30, succeeded: 30, failed: 0, maxConcurrencyPerHost: 2 } });
    // The parent logs its end like any execution, with the children's counts (src/execution/lifecycle-log.ts).
    const parentId = decodeGlobalId(parent.id)!.id;
    const endLines = capturedLogLines
      .map((line) => JSON.parse(line) as Record<string, any>)
      .filter((line) => line.executionId === parentId && line.msg === 'execution succeeded');
    expect(endLines).toEqual([expect.objectContaining({ status: 'SUCCEEDED', children: expect.objectContaining({ total: 30, succeeded: 30, failed: 0 }) })]);
    expect(createdPerCustomer().size).toBe(customers.length);
    expect(api.peakConcurrency()).toBe(2);
  });

  it('fires a scheduled fan-out once per tick for the integration, only for customers with every label of the filter', async () => {
    const integration = await fanOutIntegration(h, org, api.url, '{ type: schedule, cron: "* * * * *", fanOut: { to: customers, labels: [beta, eu] } }');
    const customers = await seedFanOutCustomers({ db: h.database.db, vault: h.vault }, org, integration, 12, (i) =>
      i % 3 === 0 ? ['beta', 'eu'] : i % 3 === 1 ? ['beta'] : [],
    );
    answerRecords(null, 0);

    const now = new Date();
    await Promise.all([fireDueSchedules(h.database.db, now), fireDueSchedules(h.database.db, now)]);
    const parents = await h.database.db
      .select({ id: executions.id, instanceId: executions.instanceId })
      .from(executions)
      .where(and(eq(executions.integrationId, integration.integrationId), isNotNull(executions.fanOut)));
    expect(parents).toEqual([{ id: expect.any(String), instanceId: null }]);
    const parent = await awaitParent(encodeGlobalId('InstanceExecutionResult', parents[0]!.id));

    const labelled = customers.filter((c) => c.labels.includes('beta') && c.labels.includes('eu')).map((c) => c.externalId);
    expect(labelled).toHaveLength(4);
    expect(parent).toMatchObject({ status: 'SUCCEEDED', invokeType: 'SCHEDULED', fanOut: { total: 4, succeeded: 4, labels: ['beta', 'eu'] } });
    expect([...createdPerCustomer().keys()].sort()).toEqual(labelled.sort());
    // No per-instance run of the flow: the tick belongs to the integration.
    const perInstance = await h.database.db
      .select({ id: executions.id })
      .from(executions)
      .where(and(eq(executions.integrationId, integration.integrationId), isNotNull(executions.scheduledFor), isNotNull(executions.instanceId)));
    expect(perInstance).toEqual([]);
  });

  it('refuses to start a flow without fanOut for every customer, and members', async () => {
    const integration = await fanOutIntegration(h, org, api.url, '{ type: api }');
    await seedFanOutCustomers({ db: h.database.db, vault: h.vault }, org, integration, 1);
    const plain = await gql(h.app, RUN_FLOW, { input: { integration: integration.id, flow: 'sync' } }, org.adminToken);
    expect(plain.data.runFlow).toEqual({
      execution: null,
      errors: [{ field: 'flow', messages: ['Flow "sync" does not fan out (its trigger has no fanOut): run it for one customer with "instance".'] }],
    });
    const both = await gql(h.app, RUN_FLOW, { input: { integration: integration.id, instance: integration.id, flow: 'sync' } }, org.adminToken);
    expect(both.data.runFlow.errors).toEqual([{ field: 'instance', messages: ['Give exactly one of instance and integration.'] }]);
    const member = await gql(h.app, RUN_FLOW, { input: { integration: integration.id, flow: 'sync' } }, org.memberToken);
    expect(member.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});
