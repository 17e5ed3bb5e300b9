import { OAUTH2_CALLBACK_PATH, startAuthorization, type StartedAuthorization } from '../../domain/oauth2/authorization';
import { setAllowedRedirectOrigins } from '../../domain/organizations/redirect-origins';
import { decodeGlobalId } from '../../lib/global-id';
import { builder } from '../builder';
import { payloadFields, withFieldErrors } from '../errors';
import { actorOf } from '../lib/actor';
import { invalidIdError } from '../lib/ids';
import { Organization } from './organization';

export const OAuth2Authorization = builder.objectRef<StartedAuthorization>('OAuth2Authorization').implement({
  description: "A started OAuth 2.0 authorization: send the user's browser to authorizeUrl before expiresAt.",
  fields: (t) => ({
    authorizeUrl: t.exposeString('authorizeUrl'),
    expiresAt: t.expose('expiresAt', { type: 'DateTime' }),
  }),
});

builder.relayMutationField(
  'startOAuth2Authorization',
  {
    inputFields: (t) => ({
      target: t.id({
        required: true,
        description:
          'The credential holder: a CustomerConfigVariable or ConnectorAuth of an OAuth 2.0 authorization-code connection, or an Instance whose inline connection configVariableKey names.',
      }),
      configVariableKey: t.string({ description: "With an Instance target: the key of the instance's connection config variable with inline values." }),
      redirectUri: t.string({ description: "Where the browser returns after the callback; its origin must be in the organization's allowedRedirectOrigins." }),
    }),
  },
  {
    resolve: (_root, { input }, ctx) =>
      withFieldErrors(async () => {
        const target = decodeGlobalId(String(input.target));
        if (!target) throw invalidIdError('target', input.target);
        const callbackUri = new URL(OAUTH2_CALLBACK_PATH, ctx.publicUrl).href;
        return {
          authorization: await startAuthorization(ctx.db, ctx.vault, actorOf(ctx), {
            target: { ...target, configVariableKey: input.configVariableKey },
            redirectUri: input.redirectUri ?? null,
            callbackUri,
          }),
        };
      }),
  },
  { outputFields: payloadFields('authorization', OAuth2Authorization) },
);

builder.relayMutationField(
  'setAllowedRedirectOrigins',
  { inputFields: (t) => ({ allowedRedirectOrigins: t.stringList({ required: true }) }) },
  {
    resolve: (_root, { input }, ctx) =>
      withFieldErrors(async () => ({ organization: await setAllowedRedirectOrigins(ctx.db, actorOf(ctx), input.allowedRedirectOrigins) })),
  },
  { outputFields: payloadFields('organization', Organization) },
);
