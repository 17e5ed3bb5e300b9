import type { FanOut } from '../../domain/integrations/definition';
import { fanOutCountsOf, type FanOutCounts } from '../../domain/executions/fan-out-counts';
import { executionStatusOf, listExecutions, type ExecutionRow } from '../../domain/executions/executions';
import { isOrgUser } from '../../domain/actor';
import { builder } from '../builder';
import { actorOf } from '../lib/actor';
import { resolveConnection } from '../lib/connection';
import { requestLoader } from '../lib/loaders';
import { ExecutionResult, ExecutionResultConnection, ExecutionStatus } from './execution-result';

type FanOutView = FanOutCounts & { settings: FanOut };

const ExecutionFanOut = builder.objectRef<FanOutView>('ExecutionFanOut').implement({
  description: 'A fan-out run: its settings and how many of its customer runs (children) are in each state.',
  fields: (t) => ({
    total: t.exposeInt('total'),
    queued: t.exposeInt('queued', { description: 'Not started yet (waiting for a free slot of the fan-out).' }),
    running: t.exposeInt('running', { description: 'Started and not ended (AUTHENTICATION_NEEDED children included).' }),
    succeeded: t.exposeInt('succeeded'),
    failed: t.exposeInt('failed'),
    labels: t.stringList({ resolve: (f) => f.settings.labels ?? [], description: 'Only customers with every one of these labels.' }),
    maxConcurrency: t.int({ nullable: true, resolve: (f) => f.settings.maxConcurrency ?? null }),
    maxConcurrencyPerHost: t.int({ nullable: true, resolve: (f) => f.settings.maxConcurrencyPerHost ?? null }),
  }),
});

builder.objectFields(ExecutionResult, (t) => ({
  fanOut: t.field({
    type: ExecutionFanOut,
    nullable: true,
    description: 'Set on the parent run of a fan-out flow (one child run per customer); null on every other run.',
    resolve: async (e: ExecutionRow, _args, ctx) => {
      if (!e.fanOut) return null;
      const counts = await requestLoader<string, FanOutCounts>(ctx, 'fanOutCounts', async (ids) => {
        const byParent = await fanOutCountsOf(ctx.db, actorOf(ctx), ids);
        return ids.map((id) => byParent.get(id)!);
      }).load(e.id);
      return { ...counts, settings: e.fanOut };
    },
  }),
  children: t.connection(
    {
      type: ExecutionResult,
      description: "A fan-out parent's customer runs (newest first, like executionResults); empty for other runs.",
      args: { status: t.arg({ type: ExecutionStatus }) },
      resolve: (e: ExecutionRow, args, ctx, info) =>
        resolveConnection(
          args,
          (page) =>
            e.fanOut
              ? listExecutions(ctx.db, actorOf(ctx), { parentExecutionId: e.id, statuses: args.status ? [executionStatusOf(args.status)] : null }, [], page)
              : Promise.resolve({ rows: [], totalCount: 0 }),
          info,
        ),
    },
    ExecutionResultConnection,
  ),
  parent: t.field({
    type: ExecutionResult,
    nullable: true,
    description: 'For a customer run started by a fan-out: the parent run. Customer users do not see parents (they span customers).',
    resolve: (e: ExecutionRow, _args, ctx) => (e.parentExecutionId && isOrgUser(actorOf(ctx)) ? e.parentExecutionId : null),
  }),
}));
