import {
  getInstance,
  listInstances,
  listInstancesPerParent,
  type Instance as InstanceRow,
  type InstanceParent,
  type InstanceSortField,
} from '../../domain/instances';
import type { Page, PageResult } from '../../domain/pagination';
import { builder } from '../builder';
import type { Context } from '../context';
import { actorOf } from '../lib/actor';
import { inMemoryList, OrderDirection, resolveConnection, sortsOf } from '../lib/connection';
import { idOf, optionalIdOf } from '../lib/ids';
import { requestLoader } from '../lib/loaders';
import { Customer } from './customer';
import { InstanceConfigVariable, InstanceConfigVariableConnection } from './instance-config-variable';
import { configVariablesOf, Instance, InstanceConnection, systemInstanceOf } from './instance-node';
import { Integration } from './integration';
import './instance-mutations';
import './instance-update';
import './instance-health';
import './instance-disconnect';

export { Instance, InstanceConnection } from './instance-node';
export { InstanceConfigVariable } from './instance-config-variable';
export { InstanceFlowConfig } from './instance-flow-config';

const OrderField = builder.enumType('InstanceOrderField', {
  values: ['CREATED_AT', 'CUSTOMER', 'ENABLED', 'LAST_EXECUTED_AT', 'NAME', 'UPDATED_AT'] as const satisfies InstanceSortField[],
});
const Order = builder.inputType('InstanceOrder', {
  fields: (t) => ({ field: t.field({ type: OrderField, required: true }), direction: t.field({ type: OrderDirection, required: true }) }),
});

builder.queryFields((t) => ({
  instance: t.field({
    type: Instance,
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => getInstance(ctx.db, actorOf(ctx), idOf('Instance', String(args.id))),
  }),
  instances: t.connection(
    {
      type: Instance,
      args: {
        customer: t.arg.id(),
        customer_ExternalId: t.arg.string({ description: "The customer's externalId." }),
        integration: t.arg.id(),
        needsDeploy: t.arg.boolean({ description: 'Instances whose needsDeploy is this.' }),
        enabled: t.arg.boolean(),
        isSystem: t.arg.boolean({ description: "true: only the integrations' test (system) instances; false or left out: only the others." }),
        offset: t.arg.int(),
        sortBy: t.arg({ type: [Order] }),
        orderBy: t.arg({ type: Order }),
      },
      resolve: (_root, args, ctx, info) => {
        const filter = {
          customerId: optionalIdOf('Customer', args.customer, 'customer'),
          customerExternalId: args.customer_ExternalId,
          needsDeploy: args.needsDeploy,
          integrationId: optionalIdOf('Integration', args.integration, 'integration'),
          enabled: args.enabled,
          isSystem: args.isSystem,
        };
        return resolveConnection(args, (page) => listInstances(ctx.db, actorOf(ctx), filter, sortsOf(args), page), info);
      },
    },
    InstanceConnection,
  ),
}));

/** Pages of instances for many customers or integrations at once: one batch however many are listed. */
function pagePerParent(ctx: Context, parent: InstanceParent, filter: { enabled?: boolean | null }, page: Page, parentId: string) {
  const key = JSON.stringify({ parent, filter, page });
  const loader = requestLoader<string, PageResult<InstanceRow>>(ctx, `instancePages:${key}`, async (ids) => {
    const pages = await listInstancesPerParent(ctx.db, actorOf(ctx), parent, ids, filter, page);
    return ids.map((id) => pages.get(id) ?? { rows: [], totalCount: 0 });
  });
  return loader.load(parentId);
}

builder.objectField(Customer, 'instances', (t) =>
  t.connection(
    {
      type: Instance,
      args: { enabled: t.arg.boolean(), offset: t.arg.int() },
      resolve: (customer, args, ctx, info) =>
        resolveConnection(args, (page) => pagePerParent(ctx, 'customerId', { enabled: args.enabled }, page, customer.id), info),
    },
    InstanceConnection,
  ),
);

builder.objectFields(Integration, (t) => ({
  instances: t.connection(
    {
      type: Instance,
      args: { enabled: t.arg.boolean(), offset: t.arg.int() },
      resolve: (integration, args, ctx, info) =>
        resolveConnection(args, (page) => pagePerParent(ctx, 'integrationId', { enabled: args.enabled }, page, integration.id), info),
    },
    InstanceConnection,
  ),
  testConfigVariables: t.connection(
    {
      type: InstanceConfigVariable,
      description:
        "The test (system) instance's config variables, which designer test runs use (set them with updateIntegration(testConfigVariables)); " +
        'reusable connections show their test values (createCustomerConfigVariable(isTest: true)). Empty for anyone but organization admins.',
      extensions: inMemoryList,
      args: { status: t.arg.string({ description: 'active or pending (any case)' }), status_In: t.arg.stringList(), offset: t.arg.int() },
      resolve: async (integration, args, ctx, info) => {
        const instance = await systemInstanceOf(ctx, integration.id);
        return instance ? configVariablesOf(ctx, instance, args, info) : resolveConnection(args, async () => ({ rows: [], totalCount: 0 }), info);
      },
    },
    InstanceConfigVariableConnection,
  ),
  systemInstance: t.field({
    type: Instance,
    nullable: true,
    description:
      "The integration's test instance: configured against the draft, never deployed; its flow configs' URLs and runInstanceFlow start test runs. " +
      'Null for anyone but organization admins.',
    resolve: (integration, _args, ctx) => systemInstanceOf(ctx, integration.id),
  }),
}));
