import { runInstanceFlow, testIntegrationFlow } from '../../domain/executions/run-requests';
import { runFanOutFlow } from '../../domain/executions/run-fan-out';
import { invalid } from '../../domain/errors';
import type { ExecutionRow } from '../../domain/executions/executions';
import { awaitExecution } from '../../domain/executions/await-execution';
import { builder } from '../builder';
import { payloadFields, withFieldErrors } from '../errors';
import { actorOf } from '../lib/actor';
import { idOf } from '../lib/ids';
import { ExecutionResult } from './execution-result';

const WAIT_MS = 30_000;

type TestResult = { execution: ExecutionRow; body: string | null };

const TestIntegrationFlowResult = builder.objectRef<TestResult>('TestIntegrationFlowResult').implement({
  fields: (t) => ({
    execution: t.field({ type: ExecutionResult, resolve: (r) => r.execution }),
    body: t.exposeString('body', { nullable: true, description: 'The flow result as JSON, when the run was awaited (asynchronous: false).' }),
  }),
});

builder.relayMutationField(
  'testIntegrationFlow',
  {
    inputFields: (t) => ({
      id: t.id({ required: true, description: 'The IntegrationFlow id.' }),
      payload: t.string(),
      contentType: t.string(),
      headers: t.string({ description: 'JSON object of header names to values.' }),
      asynchronous: t.boolean({ description: 'false waits (up to 30 s) for the run and returns its result.' }),
      interactive: t.boolean({ description: 'You are present (a UI): a step needing your user authentication pauses for you.' }),
    }),
  },
  {
    resolve: (_root, { input }, ctx) =>
      withFieldErrors(async () => {
        const started = await testIntegrationFlow(ctx.db, actorOf(ctx), idOf('IntegrationFlow', String(input.id)), input);
        if (input.asynchronous !== false) return { testIntegrationFlowResult: { execution: started, body: null } };
        const ended = (await awaitExecution(ctx.db, started.id, WAIT_MS)) ?? started;
        return { testIntegrationFlowResult: { execution: ended, body: ended.result == null ? null : JSON.stringify(ended.result) } };
      }),
  },
  { outputFields: payloadFields('testIntegrationFlowResult', TestIntegrationFlowResult) },
);

builder.relayMutationField(
  'runFlow',
  {
    inputFields: (t) => ({
      instance: t.id({ description: 'Runs the flow of this instance (one customer). Give exactly one of instance and integration.' }),
      integration: t.id({ description: 'Runs a fan-out flow (trigger with fanOut) for every matching customer: one parent run, one child per customer.' }),
      flow: t.string({ required: true, description: "The flow's stable key." }),
      payload: t.string(),
      contentType: t.string(),
      headers: t.string({ description: 'JSON object of header names to values.' }),
      interactive: t.boolean({ description: 'You are present (a UI): a step needing your user authentication pauses for you.' }),
      actingUser: t.string({
        description: "A non-interactive run for this user (a User id, or an embedded user's external id): their user authentications are used.",
      }),
    }),
  },
  {
    resolve: (_root, { input }, ctx) =>
      withFieldErrors(async () => {
        if ((input.instance == null) === (input.integration == null)) throw invalid('instance', 'Give exactly one of instance and integration.');
        if (input.integration != null && input.actingUser != null) throw invalid('actingUser', 'Fan-out runs have no acting user.');
        const execution =
          input.integration != null
            ? await runFanOutFlow(ctx.db, actorOf(ctx), idOf('Integration', String(input.integration), 'integration'), input.flow, input)
            : await runInstanceFlow(ctx.db, actorOf(ctx), idOf('Instance', String(input.instance), 'instance'), input.flow, input);
        return { execution };
      }),
  },
  { outputFields: payloadFields('execution', ExecutionResult) },
);
