import { timingSafeEqual } from 'node:crypto';
import { AggregatorRegistry, Registry } from 'prom-client';
import type { Db } from '../db/client';
import { databaseGauges } from '../metrics/database-gauges';
import { registry } from '../metrics/registry';
import type { MetricsSnapshot } from '../metrics/worker-channel';
import type { Route } from './app';

export type MetricsSettings = {
  /** METRICS_TOKEN: when set, a scrape must send `Authorization: Bearer <token>`. */
  token?: string;
  /** NODE_ENV=production without a token: /metrics does not exist (404). */
  production?: boolean;
  /** The worker child's metrics under `serve` (src/metrics/worker-channel.ts). */
  workerMetrics?: () => Promise<MetricsSnapshot | null>;
};

/** GET /metrics in the Prometheus text format: this process's counters, its worker child's, and database gauges. */
export function metricsRoute(db: Db, settings: MetricsSettings = {}): Route {
  const gauges = databaseGauges(db);
  return async (request, url) => {
    if (url.pathname !== '/metrics' || request.method !== 'GET') return undefined;
    if (!settings.token && settings.production) return new Response('Not Found', { status: 404 });
    if (settings.token && !bearerMatches(request.headers.get('authorization'), settings.token)) {
      return new Response('Unauthorized', { status: 401, headers: { 'www-authenticate': 'Bearer' } });
    }
    const [own, worker] = await Promise.all([registry.getMetricsAsJSON(), settings.workerMetrics?.() ?? null, gauges.refresh()]);
    const counted: Registry = worker ? AggregatorRegistry.aggregate([own, worker]) : registry;
    const all = Registry.merge([counted, gauges.registry]);
    return new Response(await all.metrics(), { headers: { 'content-type': all.contentType } });
  };
}

function bearerMatches(header: string | null, token: string): boolean {
  const given = Buffer.from(/^Bearer (.+)$/.exec(header ?? '')?.[1] ?? '');
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
