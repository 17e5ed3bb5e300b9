import {
  createCustomer,
  deleteCustomer,
  getCustomer,
  getCustomersByIds,
  listCustomers,
  updateCustomer,
  type Customer as CustomerRow,
  type CustomerSortField,
} from '../../domain/customers/customers';
import { builder } from '../builder';
import { payloadFields, withFieldErrors } from '../errors';
import { actorOf } from '../lib/actor';
import { connectionOf, OrderDirection, resolveConnection, sortsOf } from '../lib/connection';
import { idOf } from '../lib/ids';

export const Customer = builder.loadableNode('Customer', {
  description: "One of the organization's clients, with its own instances and connection values.",
  id: { resolve: (customer: CustomerRow) => customer.id },
  sort: (customer) => customer.id,
  load: (ids: string[], ctx) => getCustomersByIds(ctx.db, actorOf(ctx), ids),
  fields: (t) => ({
    name: t.exposeString('name'),
    externalId: t.exposeString('externalId', { nullable: true }),
    description: t.exposeString('description', { nullable: true }),
    labels: t.exposeStringList('labels'),
    allowEmbeddedDesigner: t.exposeBoolean('allowEmbeddedDesigner'),
    isSystem: t.exposeBoolean('isSystem', {
      description: "The organization's system customer, which holds the integrations' test instances; it cannot be changed or given users.",
    }),
    concurrentExecutionLimit: t.exposeInt('concurrentExecutionLimit', { nullable: true }),
    avatarUrl: t.string({ nullable: true, resolve: () => null }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

export const CustomerConnection = connectionOf(Customer, 'Customer');

const CustomerOrderField = builder.enumType('CustomerOrderField', {
  values: ['CONCURRENT_EXECUTION_LIMIT', 'CREATED_AT', 'DESCRIPTION', 'NAME', 'UPDATED_AT'] as const satisfies CustomerSortField[],
});

const CustomerOrder = builder.inputType('CustomerOrder', {
  fields: (t) => ({
    field: t.field({ type: CustomerOrderField, required: true }),
    direction: t.field({ type: OrderDirection, required: true }),
  }),
});

builder.queryFields((t) => ({
  customer: t.field({
    type: Customer,
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => getCustomer(ctx.db, actorOf(ctx), idOf('Customer', String(args.id))),
  }),
  customers: t.connection(
    {
      type: Customer,
      args: {
        externalId: t.arg.string(),
        name: t.arg.string(),
        name_Icontains: t.arg.string(),
        description: t.arg.string(),
        labels_Icontains: t.arg.string(),
        isSystem: t.arg.boolean({ description: 'true: only the system customer; false or left out: only the others.' }),
        offset: t.arg.int(),
        sortBy: t.arg({ type: [CustomerOrder] }),
        orderBy: t.arg({ type: CustomerOrder }),
      },
      resolve: (_root, args, ctx, info) =>
        resolveConnection(
          args,
          (page) =>
            listCustomers(
              ctx.db,
              actorOf(ctx),
              {
                externalId: args.externalId,
                name: args.name,
                nameIcontains: args.name_Icontains,
                description: args.description,
                labelsIcontains: args.labels_Icontains,
                isSystem: args.isSystem,
              },
              sortsOf(args),
              page,
            ),
          info,
        ),
    },
    CustomerConnection,
  ),
}));

builder.relayMutationField(
  'createCustomer',
  {
    inputFields: (t) => ({
      name: t.string({ required: true }),
      externalId: t.string(),
      description: t.string(),
      labels: t.stringList(),
      allowEmbeddedDesigner: t.boolean(),
      concurrentExecutionLimit: t.int(),
    }),
  },
  {
    resolve: (_root, { input }, ctx) => withFieldErrors(async () => ({ customer: await createCustomer(ctx.db, actorOf(ctx), input) })),
  },
  { outputFields: payloadFields('customer', Customer) },
);

builder.relayMutationField(
  'updateCustomer',
  {
    inputFields: (t) => ({
      id: t.id({ required: true }),
      name: t.string(),
      externalId: t.string(),
      description: t.string(),
      labels: t.stringList(),
      allowEmbeddedDesigner: t.boolean(),
      concurrentExecutionLimit: t.int(),
    }),
  },
  {
    resolve: (_root, { input: { id, ...fields } }, ctx) =>
      withFieldErrors(async () => ({
        customer: await updateCustomer(ctx.db, actorOf(ctx), idOf('Customer', String(id)), fields),
      })),
  },
  { outputFields: payloadFields('customer', Customer) },
);

builder.relayMutationField(
  'deleteCustomer',
  { inputFields: (t) => ({ id: t.id({ required: true }) }) },
  {
    resolve: (_root, { input }, ctx) =>
      withFieldErrors(async () => ({
        customer: await deleteCustomer(ctx.db, actorOf(ctx), idOf('Customer', String(input.id))),
      })),
  },
  { outputFields: payloadFields('customer', Customer) },
);
