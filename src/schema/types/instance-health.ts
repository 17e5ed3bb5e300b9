import { failedInstancesOf, upgradeableOf, type Instance as InstanceRow } from '../../domain/instances';
import { builder } from '../builder';
import { requestLoader } from '../lib/loaders';
import { definitionsOf, Instance } from './instance-node';

// Per-request batches: a list of instances costs one statement for each of these fields.
builder.objectFields(Instance, (t) => ({
  inFailedState: t.boolean({
    description:
      'The most recent finished run of some flow of the instance failed (a later successful run of that flow clears it). ' +
      'Queued, running and waiting runs do not count; a refused deploy changes nothing, so it never sets it.',
    resolve: (instance, _args, ctx) =>
      requestLoader<InstanceRow, boolean>(
        ctx,
        'instanceFailedStates',
        async (rows) => {
          const failed = await failedInstancesOf(
            ctx.db,
            rows.map((row) => row.id),
          );
          return rows.map((row) => failed.has(row.id));
        },
        (row) => row.id,
      ).load(instance),
  }),
  isCustomerUpgradeable: t.boolean({
    description:
      'An available published version newer than the one the instance runs (or was moved to) exists: updateInstance(integration:) and deployInstance upgrade it.',
    resolve: (instance, _args, ctx) =>
      requestLoader<InstanceRow, boolean>(
        ctx,
        'instanceUpgradeable',
        async (rows) => upgradeableOf(ctx.db, await Promise.all(rows.map((row) => definitionsOf(ctx, row)))),
        (row) => row.id,
      ).load(instance),
  }),
}));
