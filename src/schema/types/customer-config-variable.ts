import {
  createCustomerConfigVariable,
  deleteCustomerConfigVariable,
  getCustomerConfigVariable,
  getCustomerConfigVariablesByIds,
  listCustomerConfigVariables,
  listCustomerConfigVariablesPerParent,
  suppliedInputs,
  updateCustomerConfigVariable,
  type CustomerConfigVariable as CustomerConfigVariableRow,
  type CustomerConfigVariableFilter,
  type CustomerConfigVariableWithParents,
} from '../../domain/connections/customer-config-variables';
import type { Page, PageResult } from '../../domain/pagination';
import { builder } from '../builder';
import type { Context } from '../context';
import { payloadFields, withFieldErrors } from '../errors';
import { actorOf } from '../lib/actor';
import { connectionOf, resolveConnection } from '../lib/connection';
import { connectionOfScoped, inputsPage } from '../lib/connection-loaders';
import { idOf, optionalIdOf } from '../lib/ids';
import { requestLoader } from '../lib/loaders';
import { selectsNodeField } from '../lib/selection';
import { Customer } from './customer';
import { Expression, ExpressionConnection, InputExpression } from './expression';
import { ConfigVariableStatus, ScopedConfigVariable } from './scoped-config-variable';

export const CustomerConfigVariable = builder.loadableNode('CustomerConfigVariable', {
  description: "One customer's values (or the designer's test values, isTest) for a reusable connection.",
  id: { resolve: (row: CustomerConfigVariableRow) => row.id },
  sort: (row) => row.id,
  load: (ids: string[], ctx) => getCustomerConfigVariablesByIds(ctx.db, actorOf(ctx), ids),
  fields: (t) => ({
    key: t.exposeString('key', { nullable: true }),
    isTest: t.exposeBoolean('isTest'),
    status: t.field({ type: ConfigVariableStatus, resolve: () => 'ACTIVE' as const }),
    customer: t.field({ type: Customer, nullable: true, resolve: (row) => row.customerId }),
    scopedConfigVariable: t.field({ type: ScopedConfigVariable, resolve: (row) => row.scopedConfigVariableId }),
    inputs: t.connection(
      {
        type: Expression,
        description: 'The inputs these values supply. PASSWORD values are never returned (hasValue says one is set).',
        resolve: async (row, args, ctx) => {
          const scv = await ScopedConfigVariable.getDataloader(ctx).load(row.scopedConfigVariableId);
          const connection = await connectionOfScoped(ctx, scv);
          return inputsPage(ctx, args, {
            owner: { orgId: row.orgId, customerId: row.customerId },
            recordId: row.id,
            fields: suppliedInputs(scv, connection.definition.inputs, row.isTest),
            values: row.values,
          });
        },
      },
      ExpressionConnection,
    ),
    allowUpdate: t.boolean({ resolve: (_row, _args, ctx) => actorOf(ctx).role !== 'member' }),
    allowRemove: t.boolean({ resolve: (_row, _args, ctx) => actorOf(ctx).role !== 'member' }),
    lastConfiguredAt: t.expose('lastConfiguredAt', { type: 'DateTime' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

const CustomerConfigVariableConnection = connectionOf(CustomerConfigVariable, 'CustomerConfigVariable');

/** Pages of values for many reusable connections at once: one query however many connections are listed. */
function pagePerConnection(ctx: Context, filter: CustomerConfigVariableFilter, page: Page, scvId: string) {
  const key = JSON.stringify({ filter, page });
  const loader = requestLoader<string, PageResult<CustomerConfigVariableRow>>(ctx, `ccvPages:${key}`, async (ids) => {
    const pages = await listCustomerConfigVariablesPerParent(ctx.db, actorOf(ctx), ids, filter, page);
    return ids.map((id) => pages.get(id) ?? { rows: [], totalCount: 0 });
  });
  return loader.load(scvId);
}

builder.objectField(ScopedConfigVariable, 'customerConfigVariables', (t) =>
  t.connection(
    {
      type: CustomerConfigVariable,
      args: { isTest: t.arg.boolean(), customer: t.arg.id(), offset: t.arg.int() },
      resolve: (scv, args, ctx, info) => {
        const filter = { isTest: args.isTest, customerId: optionalIdOf('Customer', args.customer, 'customer') };
        return resolveConnection(args, (page) => pagePerConnection(ctx, filter, page, scv.id), info);
      },
    },
    CustomerConfigVariableConnection,
  ),
);

/** Hands the customers and connections joined into a page to their dataloaders, so showing them costs no statement. */
function primeParents(ctx: Context, page: PageResult<CustomerConfigVariableWithParents>) {
  for (const { parents } of page.rows) {
    if (parents?.customer) Customer.getDataloader(ctx).prime(parents.customer.id, parents.customer);
    if (parents?.scopedConfigVariable) ScopedConfigVariable.getDataloader(ctx).prime(parents.scopedConfigVariable.id, parents.scopedConfigVariable);
  }
  return page;
}

builder.queryFields((t) => ({
  customerConfigVariable: t.field({
    type: CustomerConfigVariable,
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => getCustomerConfigVariable(ctx.db, actorOf(ctx), idOf('CustomerConfigVariable', String(args.id))),
  }),
  customerConfigVariables: t.connection(
    {
      type: CustomerConfigVariable,
      args: { scopedConfigVariable: t.arg.id(), customer: t.arg.id(), isTest: t.arg.boolean(), offset: t.arg.int() },
      resolve: (_root, args, ctx, info) => {
        const filter = {
          scopedConfigVariableId: optionalIdOf('ScopedConfigVariable', args.scopedConfigVariable, 'scopedConfigVariable'),
          customerId: optionalIdOf('Customer', args.customer, 'customer'),
          isTest: args.isTest,
        };
        const withParents = selectsNodeField(info, 'customer') || selectsNodeField(info, 'scopedConfigVariable');
        return resolveConnection(
          args,
          async (page) => primeParents(ctx, await listCustomerConfigVariables(ctx.db, actorOf(ctx), filter, page, withParents)),
          info,
        );
      },
    },
    CustomerConfigVariableConnection,
  ),
}));

builder.relayMutationField(
  'createCustomerConfigVariable',
  {
    inputFields: (t) => ({
      scopedConfigVariable: t.id({ required: true }),
      customer: t.id({ description: 'Leave out (with isTest: true) for the test credentials of the designer.' }),
      isTest: t.boolean(),
      inputs: t.field({ type: [InputExpression] }),
      key: t.string(),
    }),
  },
  {
    resolve: (_root, { input }, ctx) =>
      withFieldErrors(async () => ({
        customerConfigVariable: await createCustomerConfigVariable(ctx.db, ctx.vault, actorOf(ctx), {
          scopedConfigVariableId: idOf('ScopedConfigVariable', String(input.scopedConfigVariable), 'scopedConfigVariable'),
          customerId: optionalIdOf('Customer', input.customer, 'customer'),
          isTest: input.isTest ?? false,
          inputs: input.inputs ?? [],
          key: input.key,
        }),
      })),
  },
  { outputFields: payloadFields('customerConfigVariable', CustomerConfigVariable) },
);

builder.relayMutationField(
  'updateCustomerConfigVariable',
  { inputFields: (t) => ({ id: t.id({ required: true }), inputs: t.field({ type: [InputExpression] }), key: t.string() }) },
  {
    resolve: (_root, { input: { id, ...fields } }, ctx) =>
      withFieldErrors(async () => ({
        customerConfigVariable: await updateCustomerConfigVariable(ctx.db, ctx.vault, actorOf(ctx), idOf('CustomerConfigVariable', String(id)), fields),
      })),
  },
  { outputFields: payloadFields('customerConfigVariable', CustomerConfigVariable) },
);

builder.relayMutationField(
  'deleteCustomerConfigVariable',
  { inputFields: (t) => ({ id: t.id({ required: true }) }) },
  {
    resolve: (_root, { input }, ctx) =>
      withFieldErrors(async () => ({
        customerConfigVariable: await deleteCustomerConfigVariable(ctx.db, actorOf(ctx), idOf('CustomerConfigVariable', String(input.id))),
      })),
  },
  { outputFields: payloadFields('customerConfigVariable', CustomerConfigVariable) },
);
