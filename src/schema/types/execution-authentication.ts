import { cancelExecution, listMyWaitingExecutions } from '../../domain/executions/authentication-waits';
import { stepResultsOf } from '../../domain/executions/executions';
import { builder } from '../builder';
import { payloadFields, withFieldErrors } from '../errors';
import { actorOf } from '../lib/actor';
import { resolveConnection } from '../lib/connection';
import { idOf } from '../lib/ids';
import { requestLoader } from '../lib/loaders';
import { ExecutionResult, ExecutionResultConnection } from './execution-result';
import { ScopedConfigVariable } from './scoped-config-variable';
import { User } from './user';

// Issue 11 (seed 002): who a run acts for, and what it waits for while AUTHENTICATION_NEEDED.
builder.objectFields(ExecutionResult, (t) => ({
  actingUser: t.field({
    type: User,
    nullable: true,
    description: 'Whose user authentications the run uses (none for schedules and fan-outs).',
    resolve: (e) => e.actingUserId,
  }),
  interactive: t.exposeBoolean('interactive', { description: 'Started by someone present: a missing user authentication pauses for them.' }),
  waitingForUser: t.field({ type: User, nullable: true, resolve: (e) => (e.status === 'AUTHENTICATION_NEEDED' ? e.waitingUserId : null) }),
  waitingForConnection: t.field({
    type: ScopedConfigVariable,
    nullable: true,
    description: 'While AUTHENTICATION_NEEDED: the connection to authenticate on (startUserAuthentication with this id); the run resumes by itself.',
    resolve: (e) => (e.status === 'AUTHENTICATION_NEEDED' && e.waitingConnectionRef?.startsWith('scv:') ? e.waitingConnectionRef.slice(4) : null),
  }),
  waitingUntil: t.expose('waitingUntil', { type: 'DateTime', nullable: true, description: 'When a waiting run gives up (USER_AUTHENTICATION_WAIT_MS).' }),
  warnings: t.stringList({
    description: 'Warnings of its steps, e.g. a fallback to the connector user (FALLBACK_WITH_WARNING).',
    resolve: (e, _args, ctx) =>
      requestLoader<string, string[]>(ctx, 'executionWarnings', async (ids) => {
        const rows = await stepResultsOf(ctx.db, actorOf(ctx), ids);
        return ids.map((id) => rows.filter((row) => row.executionId === id).flatMap((row) => row.warnings));
      }).load(e.id),
  }),
}));

builder.queryField('myWaitingExecutions', (t) =>
  t.connection(
    {
      type: ExecutionResult,
      description: 'Runs waiting for you to authenticate (AUTHENTICATION_NEEDED); start it with startUserAuthentication(waitingForConnection).',
      resolve: (_root, args, ctx) => resolveConnection(args, (page) => listMyWaitingExecutions(ctx.db, actorOf(ctx), page)),
    },
    ExecutionResultConnection,
  ),
);

builder.relayMutationField(
  'cancelExecution',
  { inputFields: (t) => ({ id: t.id({ required: true, description: 'A queued run or one waiting for an authentication.' }) }) },
  {
    resolve: (_root, { input }, ctx) =>
      withFieldErrors(async () => ({ execution: await cancelExecution(ctx.db, actorOf(ctx), idOf('InstanceExecutionResult', String(input.id))) })),
  },
  { outputFields: payloadFields('execution', ExecutionResult) },
);
