import { listLogs, type LogSortField } from '../../domain/executions/log-list';
import { builder } from '../builder';
import { actorOf } from '../lib/actor';
import { OrderDirection, resolveConnection, sortsOf } from '../lib/connection';
import { optionalIdOf } from '../lib/ids';
import { Log, LogConnection, Severity } from './execution-result';

const LogOrderField = builder.enumType('LogOrderField', { values: ['TIMESTAMP'] as const satisfies LogSortField[] });
const LogOrder = builder.inputType('LogOrder', {
  fields: (t) => ({ field: t.field({ type: LogOrderField, required: true }), direction: t.field({ type: OrderDirection, required: true }) }),
});

builder.queryField('logs', (t) =>
  t.connection(
    {
      type: Log,
      description: 'Log lines of the runs you can see (a customer user: their customer’s), newest first unless sorted.',
      args: {
        executionResult: t.arg.id(),
        instance: t.arg.id(),
        severity: t.arg({ type: Severity }),
        severity_In: t.arg({ type: [Severity] }),
        timestamp_Gte: t.arg({ type: 'DateTime' }),
        offset: t.arg.int(),
        sortBy: t.arg({ type: [LogOrder] }),
        orderBy: t.arg({ type: LogOrder }),
      },
      resolve: (_root, args, ctx, info) => {
        const filter = {
          executionId: optionalIdOf('InstanceExecutionResult', args.executionResult, 'executionResult'),
          instanceId: optionalIdOf('Instance', args.instance, 'instance'),
          severities: args.severity ? [args.severity] : args.severity_In,
          timestampGte: args.timestamp_Gte,
        };
        return resolveConnection(args, (page) => listLogs(ctx.db, actorOf(ctx), filter, sortsOf(args), page), info);
      },
    },
    LogConnection,
  ),
);
