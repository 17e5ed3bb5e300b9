import type { OAuth2AuthStatus as AuthStatusValue } from '../../db/tables';
import { holderTarget } from '../../domain/oauth2/holders';
import { listOAuth2Credentials, type OAuth2TokenRow } from '../../domain/oauth2/tokens';
import { encodeGlobalId } from '../../lib/global-id';
import { builder } from '../builder';
import { actorOf } from '../lib/actor';
import { connectionOf, resolveConnection } from '../lib/connection';

export const OAuth2AuthStatus = builder.enumType('OAuth2AuthStatus', {
  values: ['ACTIVE', 'REFRESH_FAILING', 'NEEDS_REAUTHENTICATION', 'MISCONFIGURED'] as const,
});

/** The token state of one credential holder; the tokens themselves never leave the vault. */
const OAuth2Credential = builder.objectRef<OAuth2TokenRow>('OAuth2Credential').implement({
  fields: (t) => ({
    holder: t.id({
      description: 'The CustomerConfigVariable, ConnectorAuth, UserAuthentication or Instance (see configVariableKey) holding the tokens.',
      resolve: (row) => {
        const target = holderTarget(row.holderKind, row.holderId);
        return encodeGlobalId(target.typeName, target.id);
      },
    }),
    configVariableKey: t.string({
      nullable: true,
      description: "For an instance's inline connection: the key of its connection config variable.",
      resolve: (row) => holderTarget(row.holderKind, row.holderId).configVariableKey ?? null,
    }),
    customer: t.id({ nullable: true, resolve: (row) => (row.customerId ? encodeGlobalId('Customer', row.customerId) : null) }),
    authStatus: t.field({ type: OAuth2AuthStatus, resolve: (row) => row.authStatus }),
    hasValue: t.boolean({ resolve: (row) => row.accessToken != null }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', nullable: true }),
    scopes: t.exposeStringList('scopes'),
    lastRefreshedAt: t.expose('lastRefreshedAt', { type: 'DateTime', nullable: true }),
    lastRefreshError: t.exposeString('lastRefreshError', { nullable: true }),
  }),
});

const OAuth2CredentialConnection = connectionOf(OAuth2Credential, 'OAuth2Credential');

builder.queryField('oauth2Credentials', (t) =>
  t.connection(
    {
      type: OAuth2Credential,
      description: 'OAuth 2.0 credentials, e.g. those with authStatus NEEDS_REAUTHENTICATION whose customers must reconnect.',
      args: { authStatus: t.arg({ type: OAuth2AuthStatus }) },
      resolve: (_root, args, ctx, info) =>
        resolveConnection(
          args,
          (page) => listOAuth2Credentials(ctx.db, actorOf(ctx), { authStatus: (args.authStatus as AuthStatusValue | null) ?? null }, page),
          info,
        ),
    },
    OAuth2CredentialConnection,
  ),
);
