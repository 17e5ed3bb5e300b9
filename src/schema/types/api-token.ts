import { createApiToken, listApiTokens, revokeApiToken, type ApiToken as ApiTokenRow } from '../../domain/auth/api-tokens';
import { builder } from '../builder';
import { payloadFields, withFieldErrors } from '../errors';
import { actorOf } from '../lib/actor';
import { connectionOf, resolveConnection } from '../lib/connection';
import { idOf, optionalIdOf } from '../lib/ids';

export const ApiToken = builder.node(builder.objectRef<ApiTokenRow>('ApiToken'), {
  description: 'A bearer token for scripts and backends. Its value is shown once, when it is created.',
  id: { resolve: (token) => token.id },
  fields: (t) => ({
    name: t.exposeString('name'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    lastUsedAt: t.expose('lastUsedAt', { type: 'DateTime', nullable: true }),
    revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true }),
  }),
});

const ApiTokenConnection = connectionOf(ApiToken, 'ApiToken');

builder.queryField('apiTokens', (t) =>
  t.connection(
    {
      type: ApiToken,
      description: "Admins see the organization's tokens, members their own.",
      resolve: (_root, args, ctx, info) =>
        resolveConnection(
          args,
          async (page) => {
            const all = await listApiTokens(ctx.db, actorOf(ctx));
            return { rows: all.slice(page.offset, page.offset + page.limit), totalCount: all.length };
          },
          info,
        ),
    },
    ApiTokenConnection,
  ),
);

const CreatedApiToken = builder.objectRef<{ token: string; record: ApiTokenRow }>('CreatedApiToken').implement({
  fields: (t) => ({
    token: t.exposeString('token', { description: 'The bearer token. Shown only here; store it now.' }),
    apiToken: t.field({ type: ApiToken, resolve: (created) => created.record }),
  }),
});

builder.relayMutationField(
  'createApiToken',
  {
    inputFields: (t) => ({
      name: t.string({ required: true }),
      user: t.id({ description: 'Admins: a token acting as this user of the organization (how a user you added gets access; no e-mail is sent).' }),
    }),
  },
  {
    resolve: (_root, { input }, ctx) =>
      withFieldErrors(async () => ({
        result: await createApiToken(ctx.db, actorOf(ctx), {
          name: input.name,
          userId: optionalIdOf('User', input.user, 'user'),
        }),
      })),
  },
  { outputFields: payloadFields('result', CreatedApiToken) },
);

builder.relayMutationField(
  'revokeApiToken',
  { inputFields: (t) => ({ id: t.id({ required: true }) }) },
  {
    resolve: (_root, { input }, ctx) =>
      withFieldErrors(async () => ({ apiToken: await revokeApiToken(ctx.db, actorOf(ctx), idOf('ApiToken', String(input.id))) })),
  },
  { outputFields: payloadFields('apiToken', ApiToken) },
);
