import { and, desc, eq, gte, inArray, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { selectPage } from '../../db/page';
import { executionLogs, executions, type LogSeverity } from '../../db/tables';
import type { Actor } from '../actor';
import type { Page, PageResult, Sort } from '../pagination';
import { visibleExecutions, type ExecutionLogRow } from './executions';

export type LogSortField = 'TIMESTAMP';
export type LogFilter = {
  executionId?: string | null;
  instanceId?: string | null;
  severities?: LogSeverity[] | null;
  timestampGte?: Date | null;
};

/** The root `logs` list: log lines of the runs the actor sees (a customer user: their customer's), newest first unless sorted. */
export async function listLogs(db: DbOrTx, actor: Actor, filter: LogFilter, sort: Sort<LogSortField>[], page: Page): Promise<PageResult<ExecutionLogRow>> {
  const runs: SQL[] = [visibleExecutions(actor)];
  if (filter.executionId != null) runs.push(eq(executions.id, filter.executionId));
  if (filter.instanceId != null) runs.push(eq(executions.instanceId, filter.instanceId));
  const conditions: SQL[] = [
    eq(executionLogs.orgId, actor.orgId),
    sql`${executionLogs.executionId} in (select ${executions.id} from ${executions} where ${and(...runs)})`,
  ];
  if (filter.severities?.length) conditions.push(inArray(executionLogs.severity, filter.severities));
  if (filter.timestampGte != null) conditions.push(gte(executionLogs.timestamp, filter.timestampGte));
  return selectPage(db, executionLogs, and(...conditions), {
    sort,
    columns: { TIMESTAMP: executionLogs.timestamp },
    fallback: [desc(executionLogs.timestamp)],
    page,
  });
}
