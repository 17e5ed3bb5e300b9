import {
  getScopedConfigVariable,
  getScopedConfigVariablesByIds,
  listScopedConfigVariables,
  type ScopedConfigVariable as ScopedConfigVariableRow,
  type ScopedConfigVariableSortField,
} from '../../domain/connections/scoped-config-variables';
import { builder } from '../builder';
import { actorOf } from '../lib/actor';
import { connectionOf, OrderDirection, resolveConnection, sortsOf } from '../lib/connection';
import { connectionOfScoped, inputsPage } from '../lib/connection-loaders';
import { idOf, optionalIdOf } from '../lib/ids';
import { Connection } from './component';
import { Customer } from './customer';
import { Expression, ExpressionConnection } from './expression';

const VariableScope = builder.enumType('ScopedConfigVariableVariableScope', { values: ['CUSTOMER', 'ORG'] as const });
const ManagedBy = builder.enumType('ScopedConfigVariableManagedBy', { values: ['CUSTOMER', 'ORG', 'SYSTEM'] as const });
export const ConfigVariableStatus = builder.enumType('ScopedConfigVariableStatus', { values: ['ACTIVE', 'ERROR', 'FAILED', 'PENDING'] as const });

export const ScopedConfigVariable = builder.loadableNode('ScopedConfigVariable', {
  description: 'A reusable connection of the organization (organization- or customer-activated), matched across tenants by stableKey.',
  id: { resolve: (scv: ScopedConfigVariableRow) => scv.id },
  sort: (scv) => scv.id,
  load: (ids: string[], ctx) => getScopedConfigVariablesByIds(ctx.db, actorOf(ctx), ids),
  fields: (t) => ({
    key: t.exposeString('key'),
    stableKey: t.exposeString('stableKey'),
    description: t.exposeString('description', { nullable: true }),
    variableScope: t.field({ type: VariableScope, resolve: (scv) => upper(scv.variableScope) }),
    managedBy: t.field({ type: ManagedBy, resolve: (scv) => upper(scv.managedBy) }),
    status: t.field({ type: ConfigVariableStatus, resolve: () => 'ACTIVE' as const }),
    connection: t.field({ type: Connection, resolve: (scv, _args, ctx) => connectionOfScoped(ctx, scv) }),
    customer: t.field({ type: Customer, nullable: true, resolve: (scv) => scv.customerId }),
    defaultForComponent: t.exposeBoolean('defaultForComponent'),
    allowUpdate: t.boolean({ resolve: (_scv, _args, ctx) => actorOf(ctx).role === 'admin' }),
    allowRemove: t.boolean({ resolve: (_scv, _args, ctx) => actorOf(ctx).role === 'admin' }),
    inputs: t.connection(
      {
        type: Expression,
        description: 'Every input of the connection; `meta` says whether it is global (`org`) or set per customer.',
        resolve: async (scv, args, ctx) => {
          const connection = await connectionOfScoped(ctx, scv);
          return inputsPage(ctx, args, {
            owner: { orgId: scv.orgId, customerId: null },
            recordId: scv.id,
            fields: connection.definition.inputs,
            values: scv.globalValues,
            meta: (field) => JSON.stringify({ inputScope: scv.inputScopes[field.key] ?? 'customer' }),
          });
        },
      },
      ExpressionConnection,
    ),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    lastConfiguredAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

export const ScopedConfigVariableConnection = connectionOf(ScopedConfigVariable, 'ScopedConfigVariable');

const upper = <T extends string>(value: T) => value.toUpperCase() as Uppercase<T>;

const OrderField = builder.enumType('ScopedConfigVariableOrderField', {
  values: ['COMPONENT_LABEL', 'CREATED_AT', 'KEY', 'LAST_CONFIGURED_AT', 'STATUS', 'UPDATED_AT'] as const satisfies ScopedConfigVariableSortField[],
});
const Order = builder.inputType('ScopedConfigVariableOrder', {
  fields: (t) => ({ field: t.field({ type: OrderField, required: true }), direction: t.field({ type: OrderDirection, required: true }) }),
});
const ComponentSelector = builder.inputType('ComponentSelector', {
  fields: (t) => ({ key: t.string({ required: true }), isPublic: t.boolean(), version: t.string() }),
});

builder.queryFields((t) => ({
  scopedConfigVariable: t.field({
    type: ScopedConfigVariable,
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => getScopedConfigVariable(ctx.db, actorOf(ctx), idOf('ScopedConfigVariable', String(args.id))),
  }),
  scopedConfigVariables: t.connection(
    {
      type: ScopedConfigVariable,
      args: {
        stableKey: t.arg.string(),
        key: t.arg.string(),
        key_Icontains: t.arg.string(),
        managedBy: t.arg.string({ description: 'org or customer (any case)' }),
        variableScope: t.arg.string({ description: 'org or customer (any case)' }),
        id_In: t.arg.idList(),
        customer: t.arg.id(),
        connection_Component_In: t.arg({ type: [ComponentSelector] }),
        offset: t.arg.int(),
        sortBy: t.arg({ type: [Order] }),
        orderBy: t.arg({ type: Order }),
      },
      resolve: (_root, args, ctx, info) => {
        const filter = {
          stableKey: args.stableKey,
          key: args.key,
          keyIcontains: args.key_Icontains,
          managedBy: args.managedBy,
          variableScope: args.variableScope,
          ids: args.id_In?.map((id, i) => idOf('ScopedConfigVariable', String(id), `id_In[${i}]`)),
          customerId: optionalIdOf('Customer', args.customer, 'customer'),
          componentKeys: args.connection_Component_In?.map((c) => c.key),
        };
        return resolveConnection(args, (page) => listScopedConfigVariables(ctx.db, actorOf(ctx), filter, sortsOf(args), page), info);
      },
    },
    ScopedConfigVariableConnection,
  ),
}));
