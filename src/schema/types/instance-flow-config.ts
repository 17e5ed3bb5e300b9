import { getFlowConfigsByIds, openWebhookToken, setWebhookSignature, type InstanceFlowConfigView } from '../../domain/instances';
import { builder } from '../builder';
import { payloadFields, withFieldErrors } from '../errors';
import { actorOf } from '../lib/actor';
import { connectionOf } from '../lib/connection';
import { requestDataKeys } from '../lib/connection-loaders';
import { idOf } from '../lib/ids';
import { IntegrationFlow } from './integration-flow';

export const InstanceFlowConfig = builder.loadableNode('InstanceFlowConfig', {
  description: 'One flow of an instance, with the URL that triggers it for this customer.',
  id: { resolve: (view: InstanceFlowConfigView) => view.config.id },
  sort: (view) => view.config.id,
  load: (ids: string[], ctx) => getFlowConfigsByIds(ctx.db, actorOf(ctx), ids),
  fields: (t) => ({
    flow: t.field({ type: IntegrationFlow, resolve: (view) => view.flow }),
    webhookUrl: t.string({
      description: 'POST here to run the flow for this instance; the token in it is the only secret, so treat the URL as one.',
      resolve: async (view, _args, ctx) => `${ctx.publicUrl}/webhooks/${await openWebhookToken(ctx.vault, requestDataKeys(ctx), view.config)}`,
    }),
    apiKeys: t.stringList({ description: 'Always empty: webhook URLs carry an unguessable token instead.', resolve: () => [] }),
    hasSignatureSecret: t.boolean({
      description:
        'Whether calls must be signed: header `X-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" with the secret>`; ' +
        'unsigned, wrongly signed, stale (outside the timestamp window) or replayed calls get 401. Set with setInstanceFlowConfigSignature.',
      resolve: (view) => view.config.signatureSecret != null,
    }),
  }),
});

export const InstanceFlowConfigConnection = connectionOf(InstanceFlowConfig, 'InstanceFlowConfig');

type SignaturePayload = { instanceFlowConfig: InstanceFlowConfigView; signatureSecret: string | null };

builder.relayMutationField(
  'setInstanceFlowConfigSignature',
  {
    inputFields: (t) => ({
      id: t.id({ required: true, description: 'The InstanceFlowConfig.' }),
      required: t.boolean({
        required: true,
        description: 'true: require signed calls with a new secret (rotates an existing one); false: stop requiring them.',
      }),
    }),
  },
  {
    resolve: (_root, { input }, ctx) =>
      withFieldErrors<SignaturePayload>(async () => {
        const changed = await setWebhookSignature(ctx.db, ctx.vault, actorOf(ctx), idOf('InstanceFlowConfig', String(input.id)), input.required);
        return { instanceFlowConfig: changed.flowConfig, signatureSecret: changed.signatureSecret };
      }),
  },
  {
    outputFields: (t) => ({
      ...payloadFields('instanceFlowConfig', InstanceFlowConfig)(t),
      signatureSecret: t.string({
        nullable: true,
        description: 'The new signing secret: shown only in this response, store it now.',
        resolve: (payload) => payload.signatureSecret ?? null,
      }),
    }),
  },
);
