import { instanceConfigVariableUuid, scheduleOf, type ConfigVariableReport, type Instance as InstanceRow } from '../../domain/instances';
import { builder } from '../builder';
import { connectionOf, inMemoryList, resolveConnection } from '../lib/connection';
import { encodeInstanceConfigVariableId } from '../lib/instance-config-variable-id';
import { authorizeUrlOf, connectionInputsOf, metaOf } from './instance-config-variable-fields';
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
      description: 'Names the instance and the config variable, so it is the same on every read.',
      resolve: ({ instance, report }) =>
        encodeInstanceConfigVariableId({ instanceId: instance.id, variableId: instanceConfigVariableUuid(instance.id, report.configVar) }),
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
        description:
          "A connection's inputs (null for other config variables): an inline connection's own values, or for one that uses an " +
          "organization's connection, that connection's global inputs and the customer's values (`meta` gives each one's inputScope). " +
          "PASSWORD values are never returned; hasValue says one is set. Customer users see the organization's global inputs as hasValue only.",
        resolve: async (shape, args, ctx, info) => {
          const all = await connectionInputsOf(ctx, shape);
          if (!all) return null;
          return resolveConnection(args, async (page) => ({ rows: all.slice(page.offset, page.offset + page.limit), totalCount: all.length }), info);
        },
      },
      ExpressionConnection,
    ),
    meta: t.field({
      type: 'JSONString',
      nullable: true,
      description:
        'What the value comes from: `{"stableKey","variableScope"}` of the organization\'s connection a connection uses, ' +
        '`{"component","connection"}` of an inline one, `{"scheduleType","timeZone"}` of a schedule; null for plain values.',
      resolve: ({ report }) => metaOf(report),
    }),
    scheduleType: t.string({
      nullable: true,
      description:
        "A schedule config variable's schedule type as the instance set it (a UI hint; the cron value is what runs), CUSTOM when never set; null for others.",
      resolve: ({ report }) => (report.configVar.dataType === 'schedule' ? scheduleOf(report.configVar, report.stored).scheduleType : null),
    }),
    timeZone: t.string({
      nullable: true,
      description:
        "The IANA time zone a schedule config variable runs in: the instance's own, else the definition's (UTC when it names none); null for others.",
      resolve: ({ report }) => (report.configVar.dataType === 'schedule' ? scheduleOf(report.configVar, report.stored).timeZone : null),
    }),
    authorizeUrl: t.string({
      nullable: true,
      description:
        'For an OAuth 2.0 authorization-code connection whose client inputs are set: where to send the browser to authorize it ' +
        '(each read gives a new single-use authorization, valid 10 minutes, as startOAuth2Authorization does; reading writes nothing). Null otherwise, or when the caller may not start one.',
      resolve: (shape, _args, ctx) => authorizeUrlOf(ctx, shape),
    }),
  }),
});

export const InstanceConfigVariableConnection = connectionOf(InstanceConfigVariable, 'InstanceConfigVariable');
