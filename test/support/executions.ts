import { executionLogs, executions, stepResults } from '../../src/db/tables';
import type { Db } from '../../src/db/client';

/**
 * A finished run with its step results, written straight into the tables: for tests of how runs are read
 * (lists, step results, links), where running a flow would only cost time.
 */
export async function seedFinishedExecution(
  db: Db,
  run: { orgId: string; integrationId: string; customerId?: string | null; instanceId?: string | null; flowStableKey?: string; error?: string },
  steps: { stepName: string; output: unknown; startedAt: Date; endedAt: Date }[],
  logs: { severity: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR'; message: string; timestamp: Date }[] = [],
) {
  const [execution] = await db
    .insert(executions)
    .values({
      orgId: run.orgId,
      integrationId: run.integrationId,
      customerId: run.customerId ?? null,
      instanceId: run.instanceId ?? null,
      flowStableKey: run.flowStableKey ?? 'seeded',
      invokeType: 'WEBHOOK',
      status: run.error ? 'FAILED' : 'SUCCEEDED',
      error: run.error ?? null,
      trigger: { body: null, query: {}, headers: {} },
      startedAt: steps[0]?.startedAt ?? new Date(),
      endedAt: steps.at(-1)?.endedAt ?? new Date(),
    })
    .returning();
  const rows =
    steps.length === 0
      ? []
      : await db
          .insert(stepResults)
          .values(steps.map((step) => ({ orgId: run.orgId, executionId: execution!.id, status: 'SUCCEEDED' as const, ...step })))
          .returning();
  if (logs.length > 0) await db.insert(executionLogs).values(logs.map((log) => ({ orgId: run.orgId, executionId: execution!.id, ...log })));
  return { execution: execution!, steps: rows };
}
