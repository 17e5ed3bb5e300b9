import { replayExecution, replaysOf } from '../../domain/executions/replay-execution';
import { builder } from '../builder';
import { payloadFields, withFieldErrors } from '../errors';
import { actorOf } from '../lib/actor';
import { idOf } from '../lib/ids';
import { requestLoader } from '../lib/loaders';
import { ExecutionResult } from './execution-result';

builder.objectFields(ExecutionResult, (t) => ({
  replayOf: t.field({
    type: ExecutionResult,
    nullable: true,
    description: 'The execution this run replays (replayExecution), if it is a replay.',
    resolve: (e) => e.replayOfExecutionId,
  }),
  replays: t.field({
    type: [ExecutionResult],
    description: 'Replays of this execution, oldest first.',
    resolve: (e, _args, ctx) =>
      requestLoader(ctx, 'executionReplays', async (ids: readonly string[]) => {
        const rows = await replaysOf(ctx.db, actorOf(ctx), ids);
        return ids.map((id) => rows.filter((row) => row.replayOfExecutionId === id));
      }).load(e.id),
  }),
}));

builder.relayMutationField(
  'replayExecution',
  {
    description: 'Runs a finished execution again: same flow, trigger payload, version and instance; the new run links to it (replayOf).',
    inputFields: (t) => ({ id: t.id({ required: true, description: 'The InstanceExecutionResult id.' }) }),
  },
  {
    resolve: (_root, { input }, ctx) =>
      withFieldErrors(async () => ({ execution: await replayExecution(ctx.db, actorOf(ctx), idOf('InstanceExecutionResult', String(input.id))) })),
  },
  { outputFields: payloadFields('execution', ExecutionResult) },
);
