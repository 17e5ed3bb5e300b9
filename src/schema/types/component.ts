import { parseComponentFilterQuery } from '../../domain/components/filter-query';
import { INPUT_FIELD_TYPES, oauth2TypeOf } from '../../domain/components';
import {
  connectionsOf,
  deleteComponent,
  getComponent,
  getComponentsByIds,
  getConnectionsByIds,
  getInputFieldsByIds,
  importComponent,
  inputFieldsOf,
  listComponents,
  type ComponentRecord,
  type ConnectionRecord,
  type InputFieldRecord,
} from '../../domain/components/registry';
import type { Page, PageResult } from '../../domain/pagination';
import { builder } from '../builder';
import { payloadFields, withFieldErrors } from '../errors';
import { actorOf } from '../lib/actor';
import { connectionOf, inMemoryList, resolveConnection } from '../lib/connection';
import { idOf } from '../lib/ids';

// Explicit refs first: Component, Connection and InputField refer to each other.
export const ComponentRef = builder.objectRef<ComponentRecord>('Component');
const ConnectionRef = builder.objectRef<ConnectionRecord>('Connection');
export const InputFieldRef = builder.objectRef<InputFieldRecord>('InputField');

const ConnectionOauth2Type = builder.enumType('ConnectionOauth2Type', { values: ['AUTHORIZATION_CODE', 'CLIENT_CREDENTIALS'] as const });
const InputFieldType = builder.enumType('InputFieldType', { values: INPUT_FIELD_TYPES });
const InputFieldCollection = builder.enumType('InputFieldCollection', { values: ['VALUELIST', 'KEYVALUELIST'] as const });

/** Node loaders get ids in order and must answer in that order, null for ids the actor cannot see. */
export const inOrderOf =
  <T extends { id: string }>(load: (ids: string[]) => Promise<T[]>) =>
  async (ids: string[]) => {
    const byId = new Map((await load(ids)).map((record) => [record.id, record]));
    return ids.map((id) => byId.get(id) ?? null);
  };

export const pageOf = async <T>(items: T[], page: Page): Promise<PageResult<T>> => ({
  rows: items.slice(page.offset, page.offset + page.limit),
  totalCount: items.length,
});

export const Component = builder.node(ComponentRef, {
  description: "A connector: a built-in (`public`) or one of the organization's private components.",
  id: { resolve: (component) => component.id },
  loadMany: (ids, ctx) => inOrderOf((some) => getComponentsByIds(ctx.db, actorOf(ctx), some))(ids),
  fields: (t) => ({
    key: t.exposeString('key'),
    label: t.exposeString('label'),
    description: t.exposeString('description', { nullable: true }),
    public: t.exposeBoolean('public'),
    connections: t.connection(
      {
        type: ConnectionRef,
        args: { offset: t.arg.int() },
        extensions: inMemoryList,
        resolve: (component, args, _ctx, info) => resolveConnection(args, (page) => pageOf(connectionsOf(component), page), info),
      },
      ConnectionConnection,
    ),
  }),
});

export const Connection = builder.node(ConnectionRef, {
  description: "One way to authenticate to a component (Prismatic's component connection).",
  id: { resolve: (connection) => connection.id },
  loadMany: (ids, ctx) => inOrderOf((some) => getConnectionsByIds(ctx.db, actorOf(ctx), some))(ids),
  fields: (t) => ({
    key: t.exposeString('key'),
    label: t.string({ resolve: (connection) => connection.definition.label }),
    comments: t.string({ nullable: true, resolve: (connection) => connection.definition.comments ?? null }),
    component: t.field({ type: ComponentRef, resolve: (connection) => connection.component }),
    oauth2Type: t.field({ type: ConnectionOauth2Type, nullable: true, resolve: (connection) => oauth2TypeOf(connection.definition) }),
    default: t.boolean({ resolve: (connection) => connection.component.definition.connections[0]?.key === connection.key }),
    onPremiseAvailable: t.boolean({ resolve: () => false }),
    inputs: t.connection(
      {
        type: InputFieldRef,
        args: { offset: t.arg.int() },
        extensions: inMemoryList,
        resolve: (connection, args, _ctx, info) => resolveConnection(args, (page) => pageOf(inputFieldsOf(connection), page), info),
      },
      InputFieldConnection,
    ),
  }),
});

export const InputField = builder.node(InputFieldRef, {
  description: 'One input of a component connection (a value each customer or the organization provides).',
  id: { resolve: (input) => input.id },
  loadMany: (ids, ctx) => inOrderOf((some) => getInputFieldsByIds(ctx.db, actorOf(ctx), some))(ids),
  fields: (t) => ({
    key: t.exposeString('key'),
    label: t.string({ resolve: (input) => input.definition.label }),
    type: t.field({ type: InputFieldType, resolve: (input) => input.definition.type }),
    default: t.string({ nullable: true, resolve: (input) => input.definition.default ?? null }),
    required: t.boolean({ resolve: (input) => input.definition.required }),
    shown: t.boolean({ resolve: (input) => input.definition.shown }),
    example: t.string({ nullable: true, resolve: (input) => input.definition.example ?? null }),
    comments: t.string({ nullable: true, resolve: (input) => input.definition.comments ?? null }),
    placeholder: t.string({ nullable: true, resolve: (input) => input.definition.placeholder ?? null }),
    onPremiseControlled: t.boolean({ resolve: () => false }),
    collection: t.field({ type: InputFieldCollection, nullable: true, resolve: () => null }),
  }),
});

export const ComponentConnection = connectionOf(ComponentRef, 'Component');
const ConnectionConnection = connectionOf(ConnectionRef, 'Connection');
export const InputFieldConnection = connectionOf(InputFieldRef, 'InputField');

builder.queryFields((t) => ({
  component: t.field({
    type: Component,
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => getComponent(ctx.db, actorOf(ctx), idOf('Component', String(args.id))),
  }),
  components: t.connection(
    {
      type: Component,
      description: "Built-in components first (by key), then the organization's private components (by key).",
      args: {
        key: t.arg.string(),
        public: t.arg.boolean(),
        label_Icontains: t.arg.string(),
        offset: t.arg.int(),
        allVersions: t.arg.boolean({ description: 'Accepted for Prismatic clients: each component has one version.' }),
        filterQuery: t.arg({
          type: 'JSONString',
          description: 'prism --search: ["or", ["in", "key", "text"], ["in", "label", "text"]] (a list instead of "text": one of them).',
        }),
      },
      resolve: (_root, args, ctx, info) =>
        resolveConnection(
          args,
          (page) => {
            const keyOrLabelIn = args.filterQuery == null ? null : parseComponentFilterQuery(args.filterQuery);
            return listComponents(ctx.db, actorOf(ctx), { key: args.key, public: args.public, labelIcontains: args.label_Icontains, keyOrLabelIn }, page);
          },
          info,
        ),
    },
    ComponentConnection,
  ),
}));

builder.relayMutationField(
  'importComponent',
  {
    inputFields: (t) => ({
      definition: t.string({ required: true, description: 'The component definition, YAML or JSON.' }),
    }),
  },
  {
    description: 'Adds a private component, or replaces the definition of the private component with the same key.',
    resolve: (_root, { input }, ctx) => withFieldErrors(async () => ({ component: await importComponent(ctx.db, actorOf(ctx), input) })),
  },
  { outputFields: payloadFields('component', Component) },
);

builder.relayMutationField(
  'deleteComponent',
  { inputFields: (t) => ({ id: t.id({ required: true }) }) },
  {
    resolve: (_root, { input }, ctx) =>
      withFieldErrors(async () => ({
        component: await deleteComponent(ctx.db, actorOf(ctx), idOf('Component', String(input.id))),
      })),
  },
  { outputFields: payloadFields('component', Component) },
);
