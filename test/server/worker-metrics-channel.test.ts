import { fork } from 'node:child_process';
import { describe, expect, it, inject } from 'vitest';
import { connectDatabase } from '../../src/db/client';
import { metricsRoute } from '../../src/http/metrics-route';
import { childMetrics } from '../../src/metrics/worker-channel';
import { parsePrometheusText, sampleValue } from '../support/prometheus-text';
import { builtTestProcess } from '../support/test-build';

describe("the worker child's metrics reach the API's /metrics over the fork channel", () => {
  it('a counter the child incremented appears in the parent scrape; no child means the parent answers alone', async () => {
    const child = fork(builtTestProcess('metrics-child'), [], { stdio: 'inherit' });
    const database = connectDatabase(inject('databaseUrl'), { max: 1 });
    try {
      await new Promise<void>((resolve) => child.once('message', () => resolve()));
      const route = metricsRoute(database.db, { workerMetrics: () => childMetrics(child) });
      const url = new URL('http://127.0.0.1/metrics');
      const scraped = parsePrometheusText(await (await route(new Request(url), url))!.text());
      expect(sampleValue(scraped, 'tenantflow_step_retries_total', { component: 'child-component' })).toBe(3);

      const alone = metricsRoute(database.db, { workerMetrics: () => childMetrics(null) });
      const own = parsePrometheusText(await (await alone(new Request(url), url))!.text());
      expect(sampleValue(own, 'tenantflow_step_retries_total', { component: 'child-component' })).toBe(0);
    } finally {
      child.kill();
      await database.close();
    }
  });
});
