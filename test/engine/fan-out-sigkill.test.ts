import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { connectDatabase } from '../../src/db/client';
import { executions } from '../../src/db/tables';
import { insertChildBatch } from '../../src/execution/fan-out/children';
import { decodeGlobalId } from '../../src/lib/global-id';
import { startFakeApi, type FakeApi } from '../fakes/fake-api';
import { apiKeyOf, fanOutIntegration, seedFanOutCustomers } from '../support/fan-out';
import { createHarness, gql, type Harness } from '../support/harness';
import { seedOrg, type SeededOrg } from '../support/seed';
import { spawnWorker, startTestWorker } from '../support/worker';

let h: Harness;
let org: SeededOrg;
let api: FakeApi;

beforeAll(async () => {
  h = createHarness();
  org = await seedOrg(h.database.db);
  api = await startFakeApi();
  api.on('POST /records', (request) => {
    const name = (request.json as { name: string }).name;
    if (request.headers['x-api-key'] !== apiKeyOf(name)) return { status: 401, json: { error: 'wrong key' } };
    return { status: 201, delayMs: 40, json: { id: `record-${name}` } };
  });
});
afterAll(async () => {
  await api.close();
  await h.close();
});

const STATUS = `query($id: ID!) { executionResult(id: $id) { status error fanOut { total queued running succeeded failed } } }`;

describe('a fan-out whose worker is killed', () => {
  it('loses no child and starts none twice when the worker process is SIGKILLed mid-fan-out', async () => {
    const integration = await fanOutIntegration(h, org, api.url, '{ type: api, fanOut: { to: customers, maxConcurrency: 4 } }');
    const customers = await seedFanOutCustomers({ db: h.database.db, vault: h.vault }, org, integration, 100);
    const doomed = await spawnWorker();
    const started = await gql(
      h.app,
      `mutation($input: RunFlowInput!) { runFlow(input: $input) { execution { id } errors { field messages } } }`,
      { input: { integration: integration.id, flow: 'sync' } },
      org.adminToken,
    );
    const parentId = started.data.runFlow.execution.id as string;
    for (let i = 0; i < 400 && api.requests.length < 25; i++) await new Promise((r) => setTimeout(r, 25));
    await doomed.kill('SIGKILL');
    const sentBeforeKill = api.requests.length;
    expect(sentBeforeKill).toBeGreaterThanOrEqual(25);
    expect(sentBeforeKill).toBeLessThan(customers.length);

    const survivor = await startTestWorker();
    let parent: { status: string; error: string | null; fanOut: Record<string, number> } | undefined;
    try {
      for (let i = 0; i < 600; i++) {
        parent = (await gql(h.app, STATUS, { id: parentId }, org.adminToken)).data.executionResult;
        if (parent!.status === 'SUCCEEDED' || parent!.status === 'FAILED') break;
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await survivor.stop();
    }

    expect(parent).toEqual({ status: 'SUCCEEDED', error: null, fanOut: { total: 100, queued: 0, running: 0, succeeded: 100, failed: 0 } });
    // One child per customer, so one Idempotency-Key per customer; a request cut by the kill was sent again
    // with its own key and the fake applied it once.
    const children = await h.database.db
      .select({ id: executions.id, instanceId: executions.instanceId })
      .from(executions)
      .where(eq(executions.parentExecutionId, decodeGlobalId(parentId)!.id));
    expect(new Set(children.map((c) => c.instanceId)).size).toBe(100);
    expect(children).toHaveLength(100);
    const keysByCustomer = new Map<string, Set<string>>();
    for (const request of api.requestsTo('POST /records')) {
      const name = (request.json as { name: string }).name;
      keysByCustomer.set(name, (keysByCustomer.get(name) ?? new Set()).add(request.idempotencyKey!));
    }
    expect(keysByCustomer.size).toBe(100);
    expect([...keysByCustomer.values()].every((keys) => keys.size === 1)).toBe(true);
    const applied = new Map<string, number>();
    for (const request of api.appliedEffects('POST /records')) {
      const name = (request.json as { name: string }).name;
      applied.set(name, (applied.get(name) ?? 0) + 1);
    }
    expect(customers.every((c) => applied.get(c.externalId) === 1)).toBe(true);
    expect(api.peakConcurrency()).toBeLessThanOrEqual(4);
  });

  it('inserts each child once when two claims of the parent insert at the same time, in small batches', async () => {
    const integration = await fanOutIntegration(h, org, api.url, '{ type: api, fanOut: { to: customers } }');
    await seedFanOutCustomers({ db: h.database.db, vault: h.vault }, org, integration, 45);
    // Inserted without a job: no worker of this or a later test file may run it.
    const [parent] = await h.database.db
      .insert(executions)
      .values({
        orgId: org.orgId,
        integrationId: integration.integrationId,
        versionId: integration.versionId,
        instanceId: null,
        customerId: null,
        flowStableKey: 'sync',
        invokeType: 'API',
        trigger: { body: {}, query: {}, headers: {} },
        fanOut: { to: 'customers' },
      })
      .returning();
    // A second pool plays the second worker.
    const other = connectDatabase(inject('databaseUrl'), { max: 2 });
    try {
      const insertAll = async (db: typeof h.database.db) => {
        let total = 0;
        for (let n = -1; n !== 0; total += n) n = await insertChildBatch(db, parent!.id, 7);
        return total;
      };
      const [a, b] = await Promise.all([insertAll(h.database.db), insertAll(other.db)]);
      expect(a + b).toBe(45);
      expect(await insertAll(h.database.db)).toBe(0);
    } finally {
      await other.close();
    }
    const children = await h.database.db.select({ instanceId: executions.instanceId }).from(executions).where(eq(executions.parentExecutionId, parent!.id));
    expect(new Set(children.map((c) => c.instanceId)).size).toBe(45);
    expect(children).toHaveLength(45);
  });
});
