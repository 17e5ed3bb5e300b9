import { cancelExecution, listMyWaitingExecutions } from '../../domain/executions/authentication-waits';
import { stepResultsOf } from '../../domain/executions/executions';
import { OAUTH2_CALLBACK_PATH } from '../../domain/oauth2/authorization';
import { startAuthenticationForWaitingRun, waitingConnectionOf } from '../../domain/user-authentications/user-authentications';
import { builder } from '../builder';
import { payloadFields, withFieldErrors } from '../errors';
import { actorOf } from '../lib/actor';
import { resolveConnection } from '../lib/connection';
import { idOf } from '../lib/ids';
import { requestLoader } from '../lib/loaders';
import { ExecutionResult, ExecutionResultConnection } from './execution-result';
import { ScopedConfigVariable } from './scoped-config-variable';
import { User } from './user';

// Seed 002: who a run acts for, and what it waits for while AUTHENTICATION_NEEDED.
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
    resolve: (e) => {
      const connection = waitingConnectionOf(e);
      return connection?.kind === 'scoped' ? connection.scopedConfigVariableId : null;
    },
  }),
  waitingForConfigVariableKey: t.string({
    nullable: true,
    description:
      "While AUTHENTICATION_NEEDED on the instance's inline connection: its config variable key (startUserAuthentication with the instance and this key).",
    resolve: (e) => {
      const connection = waitingConnectionOf(e);
      return connection?.kind === 'inline' ? connection.configVariableKey : null;
    },
  }),
  authorizeUrl: t.string({
    nullable: true,
    description:
      'For the user this run waits for: the URL that authenticates them on the connection it waits for (as startUserAuthentication gives; reading it writes nothing); the run resumes by itself after the callback. Null for anyone else.',
    args: {
      redirectUri: t.arg.string({
        description: "Where the browser returns after the callback; its origin must be in the organization's allowedRedirectOrigins.",
      }),
    },
    resolve: async (e, args, ctx) => {
      const urls = { redirectUri: args.redirectUri ?? null, callbackUri: new URL(OAUTH2_CALLBACK_PATH, ctx.publicUrl).href };
      return (await startAuthenticationForWaitingRun(ctx.db, ctx.vault, actorOf(ctx), e, urls))?.authorizeUrl ?? null;
    },
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
      description: "Runs waiting for you to authenticate (AUTHENTICATION_NEEDED); each one's authorizeUrl starts your authentication.",
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
