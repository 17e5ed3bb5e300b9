import {
  executionStatusOf,
  getExecution,
  getExecutionsByIds,
  listExecutions,
  logsOf,
  selectStepResults,
  stepResultsOf,
  type ExecutionLogRow,
  type ExecutionRow,
  type ExecutionSortField,
  type StepResultRow,
  type StepResultSortField,
} from '../../domain/executions/executions';
import { STEP_RESULT_LINK_TTL_MS, STEP_RESULTS_PATH, stepResultLinkToken } from '../../domain/executions/step-result-links';
import { builder } from '../builder';
import type { Context } from '../context';
import { actorOf } from '../lib/actor';
import { connectionOf, OrderDirection, resolveConnection, sortsOf } from '../lib/connection';
import { idOf, optionalIdOf } from '../lib/ids';
import { requestLoader } from '../lib/loaders';
import { Customer } from './customer';

const PRISMATIC_NAME = (ours: string) => ({ description: `Prismatic's name for ${ours}: filters accept it; status reads ${ours}.` });
export const ExecutionStatus = builder.enumType('InstanceExecutionStatus', {
  values: {
    QUEUED: {},
    RUNNING: {},
    SUCCEEDED: {},
    FAILED: {},
    AUTHENTICATION_NEEDED: { description: 'Paused until the acting user authenticates (seed 002).' },
    SUCCESS: PRISMATIC_NAME('SUCCEEDED'),
    ERROR: PRISMATIC_NAME('FAILED'),
    PENDING: PRISMATIC_NAME('RUNNING'),
  } as const,
});
const ResultType = builder.enumType('InstanceExecutionResultResultType', { values: ['COMPLETED', 'ERROR'] as const });
const InvokeType = builder.enumType('InstanceExecutionResultInvokeType', { values: ['WEBHOOK', 'SCHEDULED', 'API', 'INTEGRATION_FLOW_TEST'] as const });
const StepStatus = builder.enumType('InstanceStepResultStatus', { values: ['SUCCEEDED', 'FAILED', 'SKIPPED'] as const });
const StepErrorKind = builder.enumType('StepErrorKind', {
  description: "Why a step failed, when a flow can act on it: `{{ steps['X'].error.kind }}` after a step with onError: continue.",
  values: {
    AUTH_NEEDS_REAUTHENTICATION: { description: 'The OAuth 2.0 credential must be authorized again (refresh refused, revoked, never authorized).' },
    AUTH_TRANSIENT: { description: 'The token endpoint could not answer now; the credential is retried with backoff.' },
    AUTH_MISCONFIGURED: { description: 'The connection is wrong (invalid_client, bad token URL); fix its inputs.' },
  } as const,
});
export const Severity = builder.enumType('LogSeverityLevel', { values: ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const });

export const StepResult = builder.objectRef<StepResultRow>('InstanceStepResult').implement({
  description: 'One finished step (one iteration inside loops), with the credential it used and the rule that chose it.',
  fields: (t) => ({
    id: t.exposeID('id'),
    stepName: t.exposeString('stepName'),
    displayStepName: t.exposeString('stepName', { description: 'The step name as the definition spells it (the same as stepName).' }),
    iteration: t.exposeString('iteration', { description: 'Empty outside loops; e.g. "For each[2]/" inside one.' }),
    status: t.field({ type: StepStatus, resolve: (s) => s.status }),
    hasError: t.boolean({ resolve: (s) => s.status === 'FAILED' }),
    error: t.exposeString('error', { nullable: true }),
    errorKind: t.field({ type: StepErrorKind, nullable: true, resolve: (s) => s.errorKind }),
    attempts: t.exposeInt('attempts'),
    output: t.field({ type: 'JSON', nullable: true, resolve: (s) => s.output }),
    credentialSource: t.exposeString('credentialSource', {
      nullable: true,
      description: 'Which kind of credential the step used (e.g. INSTANCE_SCOPED_CONNECTION, TEST_CREDENTIAL).',
    }),
    credentialId: t.exposeString('credentialId', { nullable: true, description: 'The id of the stored credential used; never its value.' }),
    credentialRule: t.exposeInt('credentialRule', { nullable: true, description: 'The resolution rule (1–5) that decided.' }),
    credentialReason: t.exposeString('credentialReason', { nullable: true }),
    warnings: t.exposeStringList('warnings'),
    startedAt: t.expose('startedAt', { type: 'DateTime' }),
    endedAt: t.expose('endedAt', { type: 'DateTime' }),
    resultsUrl: t.string({
      description: `The step's output for you alone, without a token, for ${STEP_RESULT_LINK_TTL_MS / 60_000} minutes: MessagePack of { data, contentType } as Prismatic serves it.`,
      resolve: async (s, _args, ctx) => `${ctx.publicUrl}${STEP_RESULTS_PATH}${await stepResultLinkToken(ctx.db, ctx.vault, actorOf(ctx), s.id)}`,
    }),
  }),
});

export const Log = builder.objectRef<ExecutionLogRow>('Log').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    timestamp: t.expose('timestamp', { type: 'DateTime' }),
    severity: t.field({ type: Severity, resolve: (l) => l.severity }),
    message: t.exposeString('message'),
    stepName: t.exposeString('stepName', { nullable: true }),
  }),
});

const StepResultOrderField = builder.enumType('InstanceStepResultOrderField', {
  values: ['STARTED_AT', 'ENDED_AT'] as const satisfies StepResultSortField[],
});
const StepResultOrder = builder.inputType('InstanceStepResultOrder', {
  fields: (t) => ({ field: t.field({ type: StepResultOrderField, required: true }), direction: t.field({ type: OrderDirection, required: true }) }),
});

const StepResultConnection = connectionOf(StepResult, 'InstanceStepResult');
export const LogConnection = connectionOf(Log, 'Log');

/** Children of many executions in one query per request (a list of runs with their steps is not N+1). */
function childrenOf<T extends { executionId: string }>(ctx: Context, name: string, load: (ids: readonly string[]) => Promise<T[]>, executionId: string) {
  return requestLoader<string, T[]>(ctx, name, async (ids) => {
    const rows = await load(ids);
    return ids.map((id) => rows.filter((row) => row.executionId === id));
  }).load(executionId);
}

export const ExecutionResult = builder.loadableNode('InstanceExecutionResult', {
  description: 'One run of one flow.',
  id: { resolve: (e: ExecutionRow) => e.id },
  sort: (e) => e.id,
  load: (ids: string[], ctx) => getExecutionsByIds(ctx.db, actorOf(ctx), ids),
  fields: (t) => ({
    status: t.field({ type: ExecutionStatus, resolve: (e) => e.status }),
    resultType: t.field({
      type: ResultType,
      nullable: true,
      resolve: (e) => (e.status === 'SUCCEEDED' ? 'COMPLETED' : e.status === 'FAILED' ? 'ERROR' : null),
    }),
    invokeType: t.field({ type: InvokeType, resolve: (e) => e.invokeType }),
    isTestExecution: t.boolean({ resolve: (e) => e.instanceId == null && e.fanOut == null }),
    flowStableKey: t.exposeString('flowStableKey'),
    customer: t.field({ type: Customer, nullable: true, resolve: (e) => e.customerId }),
    error: t.exposeString('error', { nullable: true }),
    result: t.field({ type: 'JSON', nullable: true, resolve: (e) => e.result }),
    retryCount: t.int({ resolve: (e) => Math.max(0, e.claims - 1) }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    startedAt: t.expose('startedAt', { type: 'DateTime', nullable: true }),
    endedAt: t.expose('endedAt', { type: 'DateTime', nullable: true }),
    stepResults: t.connection(
      {
        type: StepResult,
        args: {
          displayStepName: t.arg.string(),
          sortBy: t.arg({ type: [StepResultOrder] }),
          orderBy: t.arg({ type: StepResultOrder }),
        },
        resolve: async (e, args, ctx, info) => {
          const all = await childrenOf(ctx, 'stepResults', (ids) => stepResultsOf(ctx.db, actorOf(ctx), ids), e.id);
          const chosen = selectStepResults(all, { stepName: args.displayStepName }, sortsOf(args));
          return resolveConnection(args, async (page) => ({ rows: chosen.slice(page.offset, page.offset + page.limit), totalCount: chosen.length }), info);
        },
      },
      StepResultConnection,
    ),
    logs: t.connection(
      {
        type: Log,
        resolve: async (e, args, ctx, info) => {
          const all = await childrenOf(ctx, 'executionLogs', (ids) => logsOf(ctx.db, actorOf(ctx), ids), e.id);
          return resolveConnection(args, async (page) => ({ rows: all.slice(page.offset, page.offset + page.limit), totalCount: all.length }), info);
        },
      },
      LogConnection,
    ),
  }),
});

export const ExecutionResultConnection = connectionOf(ExecutionResult, 'InstanceExecutionResult');

const OrderField = builder.enumType('InstanceExecutionResultOrderField', { values: ['ENDED_AT', 'STARTED_AT'] as const satisfies ExecutionSortField[] });
const Order = builder.inputType('InstanceExecutionResultOrder', {
  fields: (t) => ({ field: t.field({ type: OrderField, required: true }), direction: t.field({ type: OrderDirection, required: true }) }),
});

builder.queryFields((t) => ({
  executionResult: t.field({
    type: ExecutionResult,
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => getExecution(ctx.db, actorOf(ctx), idOf('InstanceExecutionResult', String(args.id))),
  }),
  executionResults: t.connection(
    {
      type: ExecutionResult,
      args: {
        instance: t.arg.id(),
        integration: t.arg.id(),
        status: t.arg({ type: ExecutionStatus }),
        status_In: t.arg({ type: [ExecutionStatus] }),
        startedAt_Gte: t.arg({ type: 'DateTime' }),
        startedAt_Lte: t.arg({ type: 'DateTime' }),
        isTestExecution: t.arg.boolean(),
        flowConfig_Flow: t.arg.id({ description: 'Runs of this IntegrationFlow.' }),
        error_Isnull: t.arg.boolean(),
        offset: t.arg.int(),
        sortBy: t.arg({ type: [Order] }),
        orderBy: t.arg({ type: Order }),
      },
      resolve: (_root, args, ctx, info) => {
        const filter = {
          instanceId: optionalIdOf('Instance', args.instance, 'instance'),
          integrationId: optionalIdOf('Integration', args.integration, 'integration'),
          statuses: (args.status ? [args.status] : args.status_In)?.map(executionStatusOf),
          flowId: optionalIdOf('IntegrationFlow', args.flowConfig_Flow, 'flowConfig_Flow'),
          errorIsNull: args.error_Isnull,
          startedAtGte: args.startedAt_Gte,
          startedAtLte: args.startedAt_Lte,
          isTestExecution: args.isTestExecution,
        };
        return resolveConnection(args, (page) => listExecutions(ctx.db, actorOf(ctx), filter, sortsOf(args), page), info);
      },
    },
    ExecutionResultConnection,
  ),
}));
