import { runInstanceFlow, testIntegrationFlow } from '../../domain/executions/run-requests';
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
      instance: t.id({ required: true }),
      flow: t.string({ required: true, description: "The flow's stable key." }),
      payload: t.string(),
      contentType: t.string(),
      headers: t.string({ description: 'JSON object of header names to values.' }),
    }),
  },
  {
    resolve: (_root, { input }, ctx) =>
      withFieldErrors(async () => ({
        execution: await runInstanceFlow(ctx.db, actorOf(ctx), idOf('Instance', String(input.instance), 'instance'), input.flow, input),
      })),
  },
  { outputFields: payloadFields('execution', ExecutionResult) },
);
