import {
  CONNECTOR_AUTH_TYPE,
  createConnectorAuth,
  deleteConnectorAuth,
  getConnectorAuth,
  getConnectorAuthsByIds,
  listConnectorAuths,
  updateConnectorAuth,
  type ConnectorAuth as ConnectorAuthRow,
} from '../../domain/connections/connector-auths';
import { builder } from '../builder';
import { payloadFields, withFieldErrors } from '../errors';
import { actorOf } from '../lib/actor';
import { connectionOf, resolveConnection } from '../lib/connection';
import { connectionOfScoped, inputsPage } from '../lib/connection-loaders';
import { idOf, optionalIdOf } from '../lib/ids';
import { Connection } from './component';
import { Customer } from './customer';
import { Expression, ExpressionConnection, InputExpression } from './expression';

export const ConnectorAuth = builder.loadableNode(CONNECTOR_AUTH_TYPE, {
  description:
    "A stored credential of one component connection, chosen per run by a step's `auth` expression (its id, global or raw uuid). " +
    'With a customer, only runs of that customer (and test runs) may use it; without one, any run of the organization.',
  id: { resolve: (row: ConnectorAuthRow) => row.id },
  sort: (row) => row.id,
  load: (ids: string[], ctx) => getConnectorAuthsByIds(ctx.db, actorOf(ctx), ids),
  fields: (t) => ({
    name: t.exposeString('name'),
    customer: t.field({ type: Customer, nullable: true, resolve: (row) => row.customerId }),
    connection: t.field({ type: Connection, resolve: (row, _args, ctx) => connectionOfScoped(ctx, row) }),
    inputs: t.connection(
      {
        type: Expression,
        description: 'The stored inputs. PASSWORD values are never returned (hasValue says one is set).',
        resolve: async (row, args, ctx) => {
          const connection = await connectionOfScoped(ctx, row);
          return inputsPage(ctx, args, {
            owner: { orgId: row.orgId, customerId: row.customerId },
            recordId: row.id,
            fields: connection.definition.inputs,
            values: row.values,
          });
        },
      },
      ExpressionConnection,
    ),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

const ConnectorAuthConnection = connectionOf(ConnectorAuth, 'ConnectorAuth');

builder.queryFields((t) => ({
  connectorAuth: t.field({
    type: ConnectorAuth,
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => getConnectorAuth(ctx.db, actorOf(ctx), idOf(CONNECTOR_AUTH_TYPE, String(args.id))),
  }),
  connectorAuths: t.connection(
    {
      type: ConnectorAuth,
      args: { customer: t.arg.id(), component: t.arg.id({ description: 'A Component id.' }), name: t.arg.string(), offset: t.arg.int() },
      resolve: (_root, args, ctx, info) => {
        const filter = {
          customerId: optionalIdOf('Customer', args.customer, 'customer'),
          componentId: optionalIdOf('Component', args.component, 'component'),
          name: args.name,
        };
        return resolveConnection(args, (page) => listConnectorAuths(ctx.db, actorOf(ctx), filter, page), info);
      },
    },
    ConnectorAuthConnection,
  ),
}));

builder.relayMutationField(
  'createConnectorAuth',
  {
    inputFields: (t) => ({
      connection: t.id({ required: true, description: 'The component Connection id (as for createScopedConfigVariable).' }),
      name: t.string({ required: true }),
      customer: t.id({ description: "The customer it belongs to (sealed with that customer's key). Leave out for an organization-wide auth." }),
      inputs: t.field({ type: [InputExpression], required: true }),
    }),
  },
  {
    resolve: (_root, { input }, ctx) =>
      withFieldErrors(async () => ({
        connectorAuth: await createConnectorAuth(ctx.db, ctx.vault, actorOf(ctx), {
          connectionId: idOf('Connection', String(input.connection), 'connection'),
          name: input.name,
          customerId: optionalIdOf('Customer', input.customer, 'customer'),
          inputs: input.inputs,
        }),
      })),
  },
  { outputFields: payloadFields('connectorAuth', ConnectorAuth) },
);

builder.relayMutationField(
  'updateConnectorAuth',
  {
    inputFields: (t) => ({
      id: t.id({ required: true }),
      name: t.string(),
      inputs: t.field({ type: [InputExpression], description: 'New values (rotation); inputs left out keep theirs.' }),
    }),
  },
  {
    resolve: (_root, { input: { id, ...fields } }, ctx) =>
      withFieldErrors(async () => ({
        connectorAuth: await updateConnectorAuth(ctx.db, ctx.vault, actorOf(ctx), idOf(CONNECTOR_AUTH_TYPE, String(id)), fields),
      })),
  },
  { outputFields: payloadFields('connectorAuth', ConnectorAuth) },
);

builder.relayMutationField(
  'deleteConnectorAuth',
  { inputFields: (t) => ({ id: t.id({ required: true }) }) },
  {
    resolve: (_root, { input }, ctx) =>
      withFieldErrors(async () => ({
        connectorAuth: await deleteConnectorAuth(ctx.db, actorOf(ctx), idOf(CONNECTOR_AUTH_TYPE, String(input.id))),
      })),
  },
  { outputFields: payloadFields('connectorAuth', ConnectorAuth) },
);
