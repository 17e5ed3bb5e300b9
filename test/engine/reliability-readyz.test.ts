import { afterAll, beforeAll, expect, it } from 'vitest';
import { healthRoutes } from '../../src/http/health';
import { createHarness, type Harness } from '../support/harness';
import { startTestWorker } from '../support/worker';

let h: Harness;
beforeAll(() => {
  h = createHarness();
});
afterAll(async () => {
  await h.close();
});

async function readyz(problem: () => string | null) {
  const url = new URL('http://127.0.0.1/readyz');
  for (const route of healthRoutes(h.database.db, problem)) {
    const response = await route(new Request(url), url);
    if (response) return { status: response.status, body: (await response.json()) as { status: string } };
  }
  throw new Error('no /readyz route');
}

it('/readyz is ready while the worker of the process takes jobs, and 503 once it does not', async () => {
  const worker = await startTestWorker();
  // What a worker process started by `serve` forwards to it (src/cli/worker-status.ts).
  const changes: (string | null)[] = [];
  worker.onProblemChange((problem) => changes.push(problem));
  try {
    expect(worker.problem()).toBeNull();
    expect(await readyz(worker.problem)).toEqual({ status: 200, body: { status: 'ready' } });
  } finally {
    await worker.stop();
  }
  expect(worker.problem()).toBe('worker stopped');
  expect(changes).toEqual(['worker stopped']);
  expect(await readyz(worker.problem)).toEqual({ status: 503, body: { status: 'worker unavailable' } });
});
