import {
  configReportsOf,
  flowConfigsOf,
  getInstancesByIds,
  instanceDefinitionsOf,
  systemInstancesOf,
  type InstanceConfigReport,
  type InstanceDefinitions,
  type Instance as InstanceRow,
} from '../../domain/instances';
import type { InstanceFlowConfigView } from '../../domain/instances/flow-configs';
import { builder } from '../builder';
import type { Context } from '../context';
import { actorOf } from '../lib/actor';
import type { GraphQLResolveInfo } from 'graphql';
import { connectionOf, inMemoryList, resolveConnection, type ConnectionArgs } from '../lib/connection';
import { requestLoader } from '../lib/loaders';
import { Customer } from './customer';
import { InstanceConfigVariable, InstanceConfigVariableConnection } from './instance-config-variable';
import { InstanceFlowConfig, InstanceFlowConfigConnection } from './instance-flow-config';
import { Integration } from './integration';

// Per-request batches: a list of instances costs the same few statements at any length.
export const definitionsOf = (ctx: Context, instance: InstanceRow) =>
  requestLoader<InstanceRow, InstanceDefinitions>(
    ctx,
    'instanceDefinitions',
    (rows) => instanceDefinitionsOf(ctx.db, rows),
    (row) => row.id,
  ).load(instance);

const configReportOf = (ctx: Context, instance: InstanceRow) =>
  requestLoader<InstanceRow, InstanceConfigReport>(
    ctx,
    'instanceConfigReports',
    async (rows) => {
      const definitions = await Promise.all(rows.map((row) => definitionsOf(ctx, row)));
      return configReportsOf(
        ctx.db,
        actorOf(ctx),
        definitions.map((d) => ({ instance: d.instance, definition: d.configured.definition })),
      );
    },
    (row) => row.id,
  ).load(instance);

const flowConfigViewsOf = (ctx: Context, instance: InstanceRow) =>
  requestLoader<InstanceRow, InstanceFlowConfigView[]>(
    ctx,
    'instanceFlowConfigs',
    async (rows) => flowConfigsOf(ctx.db, await Promise.all(rows.map((row) => definitionsOf(ctx, row)))),
    (row) => row.id,
  ).load(instance);

/** An integration's test (system) instance; null for callers who may not see it (customer users). */
export const systemInstanceOf = (ctx: Context, integrationId: string) =>
  requestLoader<string, InstanceRow | null>(
    ctx,
    'systemInstances',
    async (ids) => {
      const found = await systemInstancesOf(ctx.db, actorOf(ctx), ids);
      return ids.map((id) => found.get(id) ?? null);
    },
    (id) => id,
  ).load(integrationId);

type ConfigVariableArgs = { status?: string | null; status_In?: readonly string[] | null } & ConnectionArgs;

/** An instance's config variables, filtered by status (active or pending, any case) and paged. */
export async function configVariablesOf(ctx: Context, instance: InstanceRow, args: ConfigVariableArgs, info: GraphQLResolveInfo) {
  const wanted = [...(args.status != null ? [args.status] : []), ...(args.status_In ?? [])].map((s) => s.toUpperCase());
  const all = (await configReportOf(ctx, instance)).variables
    .filter((report) => (args.status == null && args.status_In == null) || wanted.includes(report.status))
    .map((report) => ({ instance, report }));
  return resolveConnection(args, async (page) => ({ rows: all.slice(page.offset, page.offset + page.limit), totalCount: all.length }), info);
}

const ConfigState = builder.enumType('InstanceConfigState', {
  values: ['FULLY_CONFIGURED', 'NEEDS_INSTANCE_CONFIGURATION', 'NEEDS_USER_LEVEL_CONFIGURATION'] as const,
});

const ConfigProblem = builder.objectRef<{ key: string; message: string }>('InstanceConfigProblem').implement({
  description: 'Something an instance lacks before it is fully configured.',
  fields: (t) => ({ key: t.exposeString('key', { description: 'The config variable.' }), message: t.exposeString('message') }),
});

export const Instance = builder.loadableNode('Instance', {
  description: "An integration deployed to one customer, with that customer's config variable values.",
  id: { resolve: (instance: InstanceRow) => instance.id },
  sort: (instance) => instance.id,
  load: (ids: string[], ctx) => getInstancesByIds(ctx.db, actorOf(ctx), ids),
  fields: (t) => ({
    name: t.exposeString('name'),
    description: t.exposeString('description', { nullable: true }),
    enabled: t.exposeBoolean('enabled'),
    isSystem: t.exposeBoolean('isSystem', {
      description: "An integration's test instance (Integration.systemInstance): it runs the draft and is never deployed.",
    }),
    labels: t.exposeStringList('labels'),
    customer: t.field({ type: Customer, resolve: (instance) => instance.customerId }),
    integration: t.field({
      type: Integration,
      nullable: true,
      description: 'Null for customer users, who do not see integrations.',
      resolve: (instance) => instance.integrationId,
    }),
    deployedVersion: t.int({
      nullable: true,
      description: 'The published version number the instance runs; null before the first deploy.',
      resolve: async (instance, _args, ctx) => (await definitionsOf(ctx, instance)).deployedVersion?.versionNumber ?? null,
    }),
    needsDeploy: t.boolean({
      description: 'Never deployed, or a newer version is published. Config variable changes apply at once and need no deploy.',
      resolve: async (instance, _args, ctx) => (await definitionsOf(ctx, instance)).needsDeploy,
    }),
    lastDeployedAt: t.expose('lastDeployedAt', { type: 'DateTime', nullable: true }),
    lastExecutedAt: t.expose('lastExecutedAt', { type: 'DateTime', nullable: true }),
    configState: t.field({ type: ConfigState, resolve: async (instance, _args, ctx) => (await configReportOf(ctx, instance)).state }),
    missingConfiguration: t.field({
      type: [ConfigProblem],
      description: 'Why configState is not FULLY_CONFIGURED: one entry per config variable that lacks something.',
      resolve: async (instance, _args, ctx) => (await configReportOf(ctx, instance)).missing,
    }),
    configVariables: t.connection(
      {
        type: InstanceConfigVariable,
        description: 'One per required config variable of the version the instance is configured for.',
        extensions: inMemoryList,
        args: { status: t.arg.string({ description: 'active or pending (any case)' }), status_In: t.arg.stringList(), offset: t.arg.int() },
        resolve: (instance, args, ctx, info) => configVariablesOf(ctx, instance, args, info),
      },
      InstanceConfigVariableConnection,
    ),
    flowConfigs: t.connection(
      {
        type: InstanceFlowConfig,
        args: { offset: t.arg.int() },
        extensions: inMemoryList,
        resolve: async (instance, args, ctx, info) => {
          const all = await flowConfigViewsOf(ctx, instance);
          return resolveConnection(args, async (page) => ({ rows: all.slice(page.offset, page.offset + page.limit), totalCount: all.length }), info);
        },
      },
      InstanceFlowConfigConnection,
    ),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

export const InstanceConnection = connectionOf(Instance, 'Instance');

builder.objectField(InstanceFlowConfig, 'instance', (t) => t.field({ type: Instance, resolve: (view) => view.instance }));
