import { OAUTH2_CALLBACK_PATH } from '../../domain/oauth2/authorization';
import {
  deleteUserAuthentication,
  listConnectionUserAuthentications,
  listInlineUserAuthentications,
  listMyUserAuthentications,
  startUserAuthentication,
  type UserAuthenticationView,
} from '../../domain/user-authentications/user-authentications';
import type { UserAuthenticationConnection } from '../../domain/user-authentications/connection-refs';
import { decodeGlobalId, encodeGlobalId } from '../../lib/global-id';
import { builder } from '../builder';
import { ErrorType, payloadFields, withFieldErrors } from '../errors';
import { actorOf } from '../lib/actor';
import { connectionOf, resolveConnection } from '../lib/connection';
import { idOf } from '../lib/ids';
import { Instance } from './instance-node';
import { OAuth2Authorization } from './oauth2-authorization';
import { OAuth2AuthStatus } from './oauth2-credential';
import { ScopedConfigVariable } from './scoped-config-variable';
import { User } from './user';

/** One user's own authentication on a connection (seed 002); its tokens never leave the vault. */
const UserAuthentication = builder.objectRef<UserAuthenticationView>('UserAuthentication').implement({
  fields: (t) => ({
    id: t.id({ resolve: (row) => encodeGlobalId('UserAuthentication', row.id) }),
    user: t.field({ type: User, resolve: (row) => row.userId }),
    userName: t.exposeString('userName'),
    connection: t.field({ type: ScopedConfigVariable, nullable: true, resolve: (row) => row.scopedConfigVariableId }),
    instance: t.field({
      type: Instance,
      nullable: true,
      description: 'For an inline connection: the instance it belongs to.',
      resolve: (row) => row.instanceId,
    }),
    configVariableKey: t.exposeString('configVariableKey', { nullable: true, description: "For an inline connection: the instance's config variable." }),
    authStatus: t.field({ type: OAuth2AuthStatus, resolve: (row) => row.authStatus }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', nullable: true }),
    lastRefreshedAt: t.expose('lastRefreshedAt', { type: 'DateTime', nullable: true }),
    lastRefreshError: t.exposeString('lastRefreshError', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const UserAuthenticationConnection = connectionOf(UserAuthentication, 'UserAuthentication');

builder.queryField('myUserAuthentications', (t) =>
  t.connection(
    {
      type: UserAuthentication,
      description: "The signed-in user's own authentications on connections.",
      resolve: (_root, args, ctx) => resolveConnection(args, (page) => listMyUserAuthentications(ctx.db, actorOf(ctx), page)),
    },
    UserAuthenticationConnection,
  ),
);

builder.objectField(ScopedConfigVariable, 'userAuthentications', (t) =>
  t.connection(
    {
      type: UserAuthentication,
      description: 'Admins: who has authenticated on this connection, with each authStatus.',
      resolve: (scv, args, ctx) => resolveConnection(args, (page) => listConnectionUserAuthentications(ctx.db, actorOf(ctx), scv.id, page)),
    },
    UserAuthenticationConnection,
  ),
);

builder.objectField(Instance, 'userAuthentications', (t) =>
  t.connection(
    {
      type: UserAuthentication,
      description: "Admins: who has authenticated on this instance's inline connection configVariableKey, with each authStatus.",
      args: { configVariableKey: t.arg.string({ required: true }) },
      resolve: (instance, args, ctx) =>
        resolveConnection(args, (page) => listInlineUserAuthentications(ctx.db, actorOf(ctx), instance.id, args.configVariableKey, page)),
    },
    UserAuthenticationConnection,
  ),
);

/** `connection` names a reusable connection, or an instance whose inline connection `configVariableKey` names. */
function connectionInput(connection: string, configVariableKey: string | null | undefined): UserAuthenticationConnection {
  const decoded = decodeGlobalId(connection);
  if (decoded?.typeName === 'Instance') return { kind: 'inline', instanceId: decoded.id, configVariableKey: configVariableKey ?? '' };
  return { kind: 'scoped', scopedConfigVariableId: idOf('ScopedConfigVariable', connection, 'connection') };
}

builder.relayMutationField(
  'startUserAuthentication',
  {
    inputFields: (t) => ({
      connection: t.id({
        required: true,
        description: 'The ScopedConfigVariable with user authentications enabled, or an Instance whose inline connection configVariableKey names.',
      }),
      configVariableKey: t.string({ description: "With an Instance: the key of the instance's inline connection config variable." }),
      redirectUri: t.string({ description: "Where the browser returns after the callback; its origin must be in the organization's allowedRedirectOrigins." }),
    }),
  },
  {
    resolve: (_root, { input }, ctx) =>
      withFieldErrors(async () => ({
        authorization: await startUserAuthentication(ctx.db, ctx.vault, actorOf(ctx), {
          connection: connectionInput(String(input.connection), input.configVariableKey),
          redirectUri: input.redirectUri ?? null,
          callbackUri: new URL(OAUTH2_CALLBACK_PATH, ctx.publicUrl).href,
        }),
      })),
  },
  { outputFields: payloadFields('authorization', OAuth2Authorization) },
);

builder.relayMutationField(
  'deleteUserAuthentication',
  { inputFields: (t) => ({ id: t.id({ required: true, description: 'One of your own UserAuthentication ids.' }) }) },
  {
    resolve: (_root, { input }, ctx) =>
      withFieldErrors(async () => {
        const deleted = await deleteUserAuthentication(ctx.db, actorOf(ctx), idOf('UserAuthentication', String(input.id)));
        return { deletedId: encodeGlobalId('UserAuthentication', deleted.id) };
      }),
  },
  {
    outputFields: (t) => ({
      deletedId: t.id({ nullable: true, resolve: (payload) => payload.deletedId ?? null }),
      errors: t.field({ type: [ErrorType], resolve: (payload) => payload.errors }),
    }),
  },
);
