import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { MetricObjectWithValues, MetricValue } from 'prom-client';
import { registry } from './registry';

export type MetricsSnapshot = MetricObjectWithValues<MetricValue<string>>[];

type MetricsRequest = { type: 'tenantflow:metrics-request'; id: string };
type MetricsReply = { type: 'tenantflow:metrics'; id: string; metrics: MetricsSnapshot };

/** A scrape waits at most this long for the worker child; without its answer /metrics shows the API's own. */
const CHILD_REPLY_MS = 2_000;

/**
 * In a worker forked by `serve`: answer the parent's requests for this process's metrics over the fork
 * channel, so the parent's /metrics includes what the worker counted (steps, retries, sweeps, refreshes).
 */
export function answerMetricsRequests() {
  if (!process.send) return;
  process.on('message', (message: MetricsRequest) => {
    if (message?.type !== 'tenantflow:metrics-request') return;
    void registry.getMetricsAsJSON().then((metrics) => {
      if (process.connected) process.send!({ type: 'tenantflow:metrics', id: message.id, metrics } satisfies MetricsReply);
    });
  });
}

/** Asks a worker child for its metrics; null when it does not answer in time (restarting, busy, gone). */
export function childMetrics(child: ChildProcess | null): Promise<MetricsSnapshot | null> {
  if (!child?.connected) return Promise.resolve(null);
  const id = randomUUID();
  return new Promise((resolve) => {
    const onMessage = (message: MetricsReply) => {
      if (message?.type !== 'tenantflow:metrics' || message.id !== id) return;
      done(message.metrics);
    };
    const timer = setTimeout(() => done(null), CHILD_REPLY_MS);
    const done = (metrics: MetricsSnapshot | null) => {
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(metrics);
    };
    child.on('message', onMessage);
    child.send({ type: 'tenantflow:metrics-request', id } satisfies MetricsRequest, (error) => error && done(null));
  });
}
