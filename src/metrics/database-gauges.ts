import { sql } from 'drizzle-orm';
import { Gauge, Registry } from 'prom-client';
import type { Db } from '../db/client';

/**
 * Gauges read from the database when /metrics is scraped, so they hold for every worker process of the
 * deployment. Only unfinished executions are counted: the (status, lease_until) index keeps it to their rows
 * however many runs have ended (ended runs are counted by tenantflow_executions_ended_total).
 */
export function databaseGauges(db: Db): { registry: Registry; refresh: () => Promise<void> } {
  const registry = new Registry();
  const activeExecutions = new Gauge({
    name: 'tenantflow_executions',
    help: 'Unfinished executions in the database by status',
    labelNames: ['status'] as const,
    registers: [registry],
  });
  const queueDepth = new Gauge({ name: 'tenantflow_queue_depth', help: 'QUEUED executions in the database', registers: [registry] });
  const oldestQueued = new Gauge({
    name: 'tenantflow_queue_oldest_age_seconds',
    help: 'Age of the oldest QUEUED execution (0 when none is queued)',
    registers: [registry],
  });
  return {
    registry,
    async refresh() {
      const rows = await db.execute<{ status: string; count: string; oldest_seconds: string | null }>(sql`
        select status, count(*)::text as count, extract(epoch from now() - min(created_at))::text as oldest_seconds
        from executions where status in ('QUEUED', 'RUNNING', 'AUTHENTICATION_NEEDED') group by status`);
      activeExecutions.reset();
      for (const status of ['QUEUED', 'RUNNING', 'AUTHENTICATION_NEEDED']) activeExecutions.set({ status }, 0);
      queueDepth.set(0);
      oldestQueued.set(0);
      for (const row of rows.rows) {
        activeExecutions.set({ status: row.status }, Number(row.count));
        if (row.status === 'QUEUED') {
          queueDepth.set(Number(row.count));
          oldestQueued.set(Math.max(0, Number(row.oldest_seconds ?? 0)));
        }
      }
    },
  };
}
