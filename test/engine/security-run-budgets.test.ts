/**
 * Per-run budgets: a flow cannot loop, step, run or render without end. Each budget fails the
 * execution with one message naming the setting; a loop over budget stores no iteration.
 */
import { eq, sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { defaultRunBudgets, type RunBudgets } from '../../src/config';
import { executions, stepResults } from '../../src/db/tables';
import { decodeGlobalId, encodeGlobalId } from '../../src/lib/global-id';
import { createHarness, type Harness } from '../support/harness';
import { awaitEnd, deployInstance, importAndPublish, postWebhook } from '../support/integrations';
import { seedCustomer, seedOrg, type SeededOrg } from '../support/seed';
import { startTestWorker } from '../support/worker';

const DEFINITION = `
name: Budgets
stableKey: run-budgets
flows:
  - name: Each item
    stableKey: each-item
    trigger: { type: webhook }
    steps:
      - name: For each item
        type: loop
        items: "{{ trigger.body.items }}"
        itemName: item
        steps:
          - name: Remember item
            type: set-variables
            variables: { last: "{% for i in (1..trigger.body.work) %}{% endfor %}{{ item }}" }
  - name: Render big
    stableKey: render-big
    trigger: { type: webhook }
    steps:
      - name: Send big body
        action: { component: http, key: http-request }
        inputs:
          method: POST
          url: http://127.0.0.1:9/never-sent
          body: "{% for i in (1..trigger.body.times) %}xxxxxxxxxx{% endfor %}"
`;

let h: Harness;
let org: SeededOrg;
let webhooks: Record<string, string>;
let worker: Awaited<ReturnType<typeof startTestWorker>> | null = null;

beforeAll(async () => {
  h = createHarness();
  org = await seedOrg(h.database.db);
  const customer = encodeGlobalId('Customer', (await seedCustomer(h.database.db, org.admin)).id);
  const integration = await importAndPublish(h.app, org.adminToken, DEFINITION);
  webhooks = (await deployInstance(h.app, org.adminToken, { integration: integration.id, customer, name: 'Budgets' })).webhooks;
});
afterEach(async () => {
  await worker?.stop();
  worker = null;
});
afterAll(() => h.close());

/**
 * Queues a run while no worker runs, so a test can prepare it as an earlier claim would have left it.
 * Returns the execution's row id (the webhook answers its global id).
 */
async function queue(flow: string, body: unknown) {
  const started = await postWebhook(h.app, webhooks[flow]!, body);
  expect(started.status).toBe(202);
  return decodeGlobalId(started.executionId!)!.id;
}

async function runWith(budgets: Partial<RunBudgets>, executionId: string) {
  worker = await startTestWorker({ budgets: { ...defaultRunBudgets, ...budgets } });
  return awaitEnd(h.app, org.adminToken, encodeGlobalId('InstanceExecutionResult', executionId));
}

const items = (count: number) => Array.from({ length: count }, (_, i) => `item-${i}`);
/** Iterations of the body step that ran; the loop's own records of its iterations are not step executions. */
const storedRows = async (executionId: string) =>
  (await h.database.db.select().from(stepResults).where(eq(stepResults.executionId, executionId)))
    .filter((r) => r.stepName === 'Remember item')
    .map((r) => r.iteration);

describe('RUN_MAX_LOOP_ITERATIONS', () => {
  it('fails a loop over 3,000 items before its first iteration, storing no rows', async () => {
    const id = await queue('each-item', { items: items(3_000), work: 1 });
    const execution = await runWith({ maxLoopIterations: 1_000 }, id);
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('Loop "For each item" has 3000 items, over the budget RUN_MAX_LOOP_ITERATIONS (1000)');
    expect(await storedRows(id)).toEqual([]);
    expect(execution.logs.nodes).toContainEqual({ severity: 'ERROR', message: execution.error, stepName: 'For each item' });
  });

  it('runs a loop of exactly the budget', async () => {
    const id = await queue('each-item', { items: items(5), work: 1 });
    const execution = await runWith({ maxLoopIterations: 5 }, id);
    expect(execution.status).toBe('SUCCEEDED');
    expect(await storedRows(id)).toHaveLength(5);
  });
});

describe('RUN_MAX_STEPS', () => {
  it('counts loop iterations as steps and stops at the budget', async () => {
    const id = await queue('each-item', { items: items(10), work: 1 });
    // The loop step is one execution, each iteration's step another: 1 + 4 = 5.
    const execution = await runWith({ maxSteps: 5 }, id);
    expect(execution.error).toBe('This run has executed 5 steps, the budget RUN_MAX_STEPS (5)');
    expect((await storedRows(id)).sort()).toEqual([0, 1, 2, 3].map((i) => `For each item[${i}]/`));
  });

  it('counts the steps an earlier claim stored, so a resumed run does not start over', async () => {
    const id = await queue('each-item', { items: items(10), work: 1 });
    // As a crashed worker would have left it: four iterations done, then the process died.
    await h.database.db.insert(stepResults).values(
      [0, 1, 2, 3].map((i) => ({
        orgId: org.orgId,
        executionId: id,
        stepName: 'Remember item',
        iteration: `For each item[${i}]/`,
        status: 'SUCCEEDED' as const,
        output: { last: `item-${i}` },
        startedAt: new Date(),
      })),
    );
    // 4 stored + the loop itself = 5: not one more iteration runs.
    const execution = await runWith({ maxSteps: 5 }, id);
    expect(execution.error).toBe('This run has executed 5 steps, the budget RUN_MAX_STEPS (5)');
    expect(await storedRows(id)).toHaveLength(4);
  });
});

describe('RUN_MAX_DURATION_MS', () => {
  it("counts from the execution's first start: a run resumed after its budget runs no further step", async () => {
    const id = await queue('each-item', { items: items(3), work: 1 });
    await h.database.db
      .update(executions)
      .set({ startedAt: sql`now() - interval '2 minutes'` })
      .where(eq(executions.id, id));
    const execution = await runWith({ maxDurationMs: 60_000 }, id);
    expect(execution.error).toBe('This run has taken longer than the budget RUN_MAX_DURATION_MS (60000 ms)');
    expect(await storedRows(id)).toEqual([]);
  });

  it('stops a run that is still going when its time is up', async () => {
    const id = await queue('each-item', { items: items(1_000), work: 2_000 });
    const execution = await runWith({ maxDurationMs: 300 }, id);
    expect(execution.error).toBe('This run has taken longer than the budget RUN_MAX_DURATION_MS (300 ms)');
    const stored = (await storedRows(id)).length;
    expect(stored).toBeGreaterThan(0);
    expect(stored).toBeLessThan(1_000);
  });
});

describe('template budgets', () => {
  it('RUN_MAX_TEMPLATE_MS: the renders of all steps count together', async () => {
    // Each render takes a few ms, far below the 1 s per-render limit; together they exceed the run's 100 ms.
    const id = await queue('each-item', { items: items(1_000), work: 2_000 });
    const execution = await runWith({ maxTemplateMs: 100 }, id);
    expect(execution.error).toBe('Step "Remember item" failed: Templates of this run took longer than the budget RUN_MAX_TEMPLATE_MS (100 ms)');
    const stored = (await storedRows(id)).length;
    expect(stored).toBeGreaterThan(0);
    expect(stored).toBeLessThan(1_000);
  });

  it("TEMPLATE_MAX_OUTPUT_BYTES: an action's input over the budget fails the step before any request", async () => {
    const id = await queue('render-big', { times: 200 });
    const execution = await runWith({ maxTemplateOutputBytes: 1_000 }, id);
    expect(execution.error).toBe('Step "Send big body" failed: Template output is larger than the budget TEMPLATE_MAX_OUTPUT_BYTES (1000 bytes)');
    expect(execution.stepResults.nodes.filter((n: { status: string }) => n.status !== 'FAILED')).toEqual([]);
  });
});
