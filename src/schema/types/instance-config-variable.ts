import { describeValues } from '../../domain/connections/expressions';
import { stableUuid } from '../../domain/components/stable-ids';
import type { ConfigVariableReport, Instance as InstanceRow } from '../../domain/instances';
import { inlineSlot } from '../../domain/instances/config-values';
import { encodeGlobalId } from '../../lib/global-id';
import { builder } from '../builder';
import { connectionOf, inMemoryList, resolveConnection } from '../lib/connection';
import { requestDataKeys } from '../lib/connection-loaders';
import { CustomerConfigVariable } from './customer-config-variable';
import { Expression, ExpressionConnection } from './expression';
import { RequiredConfigVariable } from './required-config-variable';
import { ScopedConfigVariable } from './scoped-config-variable';

/** One config variable of one instance, as the instance's config report describes it. */
export type InstanceConfigVariableShape = { instance: InstanceRow; report: ConfigVariableReport };

export const InstanceConfigVariableStatus = builder.enumType('InstanceConfigVariableStatus', { values: ['ACTIVE', 'ERROR', 'FAILED', 'PENDING'] as const });

export const InstanceConfigVariable = builder.objectRef<InstanceConfigVariableShape>('InstanceConfigVariable').implement({
  description: "An instance's value for one required config variable. PENDING while it lacks something (see Instance.missingConfiguration).",
  fields: (t) => ({
    id: t.id({
      description: 'Derived from the instance and the config variable, so it is the same on every read.',
      resolve: ({ instance, report }) =>
        encodeGlobalId('InstanceConfigVariable', stableUuid(`instance:${instance.id}:config-var:${report.configVar.stableKey ?? report.configVar.key}`)),
    }),
    key: t.string({ resolve: ({ report }) => report.configVar.key }),
    value: t.string({
      nullable: true,
      description: 'The value of a plain config variable (given, else its default); null for connections.',
      resolve: ({ report }) => report.value,
    }),
    status: t.field({ type: InstanceConfigVariableStatus, resolve: ({ report }) => report.status }),
    requiredConfigVariable: t.field({
      type: RequiredConfigVariable,
      resolve: ({ instance, report }) => ({ integrationId: instance.integrationId, configVar: report.configVar }),
    }),
    scopedConfigVariable: t.field({
      type: ScopedConfigVariable,
      nullable: true,
      description: "The organization's connection this connection uses (matched by stable key in this tenant).",
      resolve: ({ report }) => report.scopedConfigVariable?.id ?? null,
    }),
    customerConfigVariable: t.field({
      type: CustomerConfigVariable,
      nullable: true,
      description: "The instance's customer's values for that connection.",
      resolve: ({ report }) => report.customerConfigVariableId,
    }),
    inputs: t.connection(
      {
        type: Expression,
        nullable: true,
        extensions: inMemoryList,
        description: "An inline connection's inputs (null for other config variables). PASSWORD values are never returned; hasValue says one is set.",
        resolve: async ({ instance, report }, args, ctx, info) => {
          const connection = report.connection;
          if (!connection) return null;
          const key = report.configVar.key;
          const stored = report.stored?.kind === 'inline' ? report.stored.values : {};
          // Values are sealed under `<config var key>/<input>`: describe them under those names, then name them back.
          const slotOf = (input: string) => inlineSlot(instance.id, key, input).field;
          const all = await describeValues(ctx.vault, requestDataKeys(ctx), {
            owner: { orgId: instance.orgId, customerId: instance.customerId },
            recordId: instance.id,
            fields: connection.definition.inputs.map((field) => ({ ...field, key: slotOf(field.key) })),
            values: Object.fromEntries(Object.entries(stored).map(([input, sealed]) => [slotOf(input), sealed])),
          });
          const named = all.map((expression, i) => ({ ...expression, name: connection.definition.inputs[i]!.key }));
          return resolveConnection(args, async (page) => ({ rows: named.slice(page.offset, page.offset + page.limit), totalCount: named.length }), info);
        },
      },
      ExpressionConnection,
    ),
    authorizeUrl: t.string({
      nullable: true,
      description: 'Always null: instance connections are not OAuth 2.0 authorization-code flows here.',
      resolve: () => null,
    }),
  }),
});

export const InstanceConfigVariableConnection = connectionOf(InstanceConfigVariable, 'InstanceConfigVariable');
