import { getActionsByIds, inputFieldsOf, listActions, type ActionRecord, type ActionSortField } from '../../domain/components/registry';
import { builder } from '../builder';
import { actorOf } from '../lib/actor';
import { connectionOf, inMemoryList, OrderDirection, resolveConnection, sortsOf } from '../lib/connection';
import { ComponentRef, InputFieldConnection, InputFieldRef, inOrderOf, pageOf } from './component';

const ActionRef = builder.objectRef<ActionRecord>('Action');

builder.node(ActionRef, {
  description: 'Something a component does: one declarative HTTP request.',
  id: { resolve: (action) => action.id },
  loadMany: (ids, ctx) => inOrderOf((some) => getActionsByIds(ctx.db, actorOf(ctx), some))(ids),
  fields: (t) => ({
    key: t.exposeString('key'),
    label: t.string({ resolve: (action) => action.definition.label }),
    description: t.string({ nullable: true, resolve: (action) => action.definition.description ?? null }),
    isTrigger: t.exposeBoolean('isTrigger'),
    isDataSource: t.exposeBoolean('isDataSource'),
    component: t.field({ type: ComponentRef, resolve: (action) => action.component }),
    inputs: t.connection(
      {
        type: InputFieldRef,
        args: { offset: t.arg.int() },
        extensions: inMemoryList,
        resolve: (action, args, _ctx, info) => resolveConnection(args, (page) => pageOf(inputFieldsOf(action), page), info),
      },
      InputFieldConnection,
    ),
  }),
});

const ActionConnection = connectionOf(ActionRef, 'Action');

const ActionOrderField = builder.enumType('ActionOrderField', { values: ['KEY', 'LABEL'] as const satisfies ActionSortField[] });

const ActionOrder = builder.inputType('ActionOrder', {
  fields: (t) => ({
    field: t.field({ type: ActionOrderField, required: true }),
    direction: t.field({ type: OrderDirection, required: true }),
  }),
});

builder.objectField(ComponentRef, 'actions', (t) =>
  t.connection(
    {
      type: ActionRef,
      description: "Prismatic's kinds: every tenantflow action is an action (isTrigger and isDataSource false); in definition order unless sorted.",
      args: {
        isTrigger: t.arg.boolean(),
        isDataSource: t.arg.boolean(),
        offset: t.arg.int(),
        sortBy: t.arg({ type: [ActionOrder] }),
        orderBy: t.arg({ type: ActionOrder }),
      },
      extensions: inMemoryList,
      resolve: (component, args, _ctx, info) =>
        resolveConnection(
          args,
          async (page) => listActions(component, { isTrigger: args.isTrigger, isDataSource: args.isDataSource }, sortsOf(args), page),
          info,
        ),
    },
    ActionConnection,
  ),
);
