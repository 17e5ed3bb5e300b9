import { and, asc, desc, eq, gte, inArray, isNotNull, isNull, lte, or, type SQL } from 'drizzle-orm';
import { selectPage } from '../../db/page';
import type { DbOrTx } from '../../db/client';
import { executionLogs, executions, instances, stepResults, type ExecutionStatus } from '../../db/tables';
import { isOrgUser, type Actor } from '../actor';
import { NotFoundError } from '../errors';
import { findFlow } from '../integrations/flows';
import { byVisibleIntegration } from '../integrations/integrations';
import type { Page, PageResult, Sort } from '../pagination';

export type ExecutionRow = typeof executions.$inferSelect;
export type StepResultRow = typeof stepResults.$inferSelect;
export type ExecutionLogRow = typeof executionLogs.$inferSelect;
export type ExecutionSortField = 'STARTED_AT' | 'ENDED_AT';
export type ExecutionFilter = {
  instanceId?: string | null;
  integrationId?: string | null;
  statuses?: ExecutionStatus[] | null;
  startedAtGte?: Date | null;
  startedAtLte?: Date | null;
  isTestExecution?: boolean | null;
  flowStableKey?: string | null;
  /** The children of one fan-out parent. */
  parentExecutionId?: string | null;
  /** Runs of this flow (an IntegrationFlow id); a flow the actor cannot see has no runs. */
  flowId?: string | null;
  /** true: runs without an error; false: runs with one. */
  errorIsNull?: boolean | null;
};

/** Prismatic's status names for filters, as tenantflow's statuses (PENDING: started, not ended). */
export type PrismaticExecutionStatus = 'SUCCESS' | 'ERROR' | 'PENDING';
const PRISMATIC_STATUSES: Record<PrismaticExecutionStatus, ExecutionStatus> = { SUCCESS: 'SUCCEEDED', ERROR: 'FAILED', PENDING: 'RUNNING' };

export const executionStatusOf = (status: ExecutionStatus | PrismaticExecutionStatus): ExecutionStatus =>
  status in PRISMATIC_STATUSES ? PRISMATIC_STATUSES[status as PrismaticExecutionStatus] : (status as ExecutionStatus);

/** Org users see every run; customer users only their own customer's (never designer test runs). */
export function visibleExecutions(actor: Actor): SQL {
  const inOrg = eq(executions.orgId, actor.orgId);
  return isOrgUser(actor) ? inOrg : and(inOrg, eq(executions.customerId, actor.customerId!))!;
}

export async function getExecution(db: DbOrTx, actor: Actor, id: string): Promise<ExecutionRow> {
  const [row] = await db
    .select()
    .from(executions)
    .where(and(visibleExecutions(actor), eq(executions.id, id)));
  if (!row) throw new NotFoundError();
  return row;
}

export async function getExecutionsByIds(db: DbOrTx, actor: Actor, ids: readonly string[]) {
  if (ids.length === 0) return [];
  return db
    .select()
    .from(executions)
    .where(and(visibleExecutions(actor), inArray(executions.id, [...ids])));
}

const sortColumns = { STARTED_AT: executions.createdAt, ENDED_AT: executions.endedAt } satisfies Record<ExecutionSortField, unknown>;

export async function listExecutions(
  db: DbOrTx,
  actor: Actor,
  filter: ExecutionFilter,
  sort: Sort<ExecutionSortField>[],
  page: Page,
): Promise<PageResult<ExecutionRow>> {
  const e = executions;
  const conditions: (SQL | undefined)[] = [visibleExecutions(actor)];
  if (filter.instanceId != null) {
    // The test (system) instance's runs are its integration's test runs, which have no instance of their own.
    // Looked up first, so an ordinary instance keeps its plain indexed condition: with an OR of both, the
    // planner scans the organization's runs newest first, which is slow for a rarely run instance.
    const [testInstance] = await db
      .select({ integrationId: instances.integrationId })
      .from(instances)
      .where(and(eq(instances.orgId, actor.orgId), eq(instances.id, filter.instanceId), eq(instances.isSystem, true)));
    if (testInstance) conditions.push(eq(e.integrationId, testInstance.integrationId), isNull(e.instanceId), isNull(e.fanOut));
    else conditions.push(eq(e.instanceId, filter.instanceId));
  }
  if (filter.integrationId != null) conditions.push(byVisibleIntegration(actor, e.integrationId, filter.integrationId));
  if (filter.statuses?.length) conditions.push(inArray(e.status, filter.statuses));
  if (filter.errorIsNull === true) conditions.push(isNull(e.error));
  if (filter.errorIsNull === false) conditions.push(isNotNull(e.error));
  if (filter.flowId != null) {
    const found = await findFlow(db, actor, filter.flowId);
    if (!found) return { rows: [], totalCount: 0 };
    conditions.push(eq(e.integrationId, found.integration.id), eq(e.flowStableKey, found.flow.flow.stableKey));
  }
  if (filter.startedAtGte != null) conditions.push(gte(e.createdAt, filter.startedAtGte));
  if (filter.startedAtLte != null) conditions.push(lte(e.createdAt, filter.startedAtLte));
  if (filter.isTestExecution === true) conditions.push(isNull(e.instanceId), isNull(e.fanOut));
  if (filter.isTestExecution === false) conditions.push(or(isNotNull(e.instanceId), isNotNull(e.fanOut)));
  if (filter.parentExecutionId != null) conditions.push(eq(e.parentExecutionId, filter.parentExecutionId));
  if (filter.flowStableKey != null) conditions.push(eq(e.flowStableKey, filter.flowStableKey));
  // Newest first unless asked otherwise: what someone looking at runs wants to see.
  return selectPage(db, e, and(...conditions), { sort, columns: sortColumns, fallback: [desc(e.createdAt)], page });
}

/** Step results of many executions at once (one query), in the order the steps finished. */
export async function stepResultsOf(db: DbOrTx, actor: Actor, executionIds: readonly string[]): Promise<StepResultRow[]> {
  if (executionIds.length === 0) return [];
  return db
    .select()
    .from(stepResults)
    .where(and(eq(stepResults.orgId, actor.orgId), inArray(stepResults.executionId, [...executionIds])))
    .orderBy(asc(stepResults.endedAt), asc(stepResults.id));
}

export type StepResultSortField = 'STARTED_AT' | 'ENDED_AT';

/** An execution's step results named `stepName` (all when left out), in the order asked (else as they finished). */
export function selectStepResults(all: StepResultRow[], filter: { stepName?: string | null }, sorts: Sort<StepResultSortField>[]): StepResultRow[] {
  const chosen = filter.stepName == null ? [...all] : all.filter((step) => step.stepName === filter.stepName);
  const [sort] = sorts;
  if (sort) {
    const at = (step: StepResultRow) => (sort.field === 'STARTED_AT' ? step.startedAt : step.endedAt).getTime();
    chosen.sort((a, b) => (sort.direction === 'DESC' ? at(b) - at(a) : at(a) - at(b)));
  }
  return chosen;
}

export async function logsOf(db: DbOrTx, actor: Actor, executionIds: readonly string[]): Promise<ExecutionLogRow[]> {
  if (executionIds.length === 0) return [];
  return db
    .select()
    .from(executionLogs)
    .where(and(eq(executionLogs.orgId, actor.orgId), inArray(executionLogs.executionId, [...executionIds])))
    .orderBy(asc(executionLogs.timestamp), asc(executionLogs.id));
}
