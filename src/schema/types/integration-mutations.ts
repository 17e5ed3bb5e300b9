import { createIntegration, updateIntegration } from '../../domain/integrations/integration-edits';
import { builder } from '../builder';
import { payloadFields, withFieldErrors } from '../errors';
import { actorOf } from '../lib/actor';
import { idOf, optionalIdOf } from '../lib/ids';
import { Integration } from './integration-node';

builder.relayMutationField(
  'createIntegration',
  {
    inputFields: (t) => ({
      name: t.string({ required: true }),
      description: t.string(),
      customer: t.id({ description: "Not supported: every integration is the organization's (an error names this field)." }),
    }),
  },
  {
    description: 'An integration without flows yet: import its definition with importIntegration(integrationId), then publish.',
    resolve: (_root, { input }, ctx) =>
      withFieldErrors(async () => ({
        integration: await createIntegration(ctx.db, actorOf(ctx), {
          name: input.name,
          description: input.description,
          customerId: optionalIdOf('Customer', input.customer, 'customer'),
        }),
      })),
  },
  { outputFields: payloadFields('integration', Integration) },
);

builder.relayMutationField(
  'updateIntegration',
  {
    inputFields: (t) => ({
      id: t.id({ required: true }),
      name: t.string(),
      description: t.string(),
    }),
  },
  {
    resolve: (_root, { input }, ctx) =>
      withFieldErrors(async () => ({
        integration: await updateIntegration(ctx.db, actorOf(ctx), idOf('Integration', String(input.id)), {
          name: input.name,
          description: input.description,
        }),
      })),
  },
  { outputFields: payloadFields('integration', Integration) },
);
