import { createIntegration, forkIntegration, updateIntegration } from '../../domain/integrations/integration-edits';
import { getIntegration } from '../../domain/integrations/integrations';
import { updateIntegrationVersionAvailability } from '../../domain/integrations/versions';
import { builder } from '../builder';
import { ErrorType, payloadFields, withFieldErrors } from '../errors';
import { actorOf } from '../lib/actor';
import { idOf, optionalIdOf } from '../lib/ids';
import { InputInstanceConfigVariable } from './instance-mutations';
import { Integration } from './integration-node';
import { IntegrationVersion } from './integration-version';

builder.relayMutationField(
  'createIntegration',
  {
    inputFields: (t) => ({
      name: t.string({ required: true }),
      description: t.string(),
      customer: t.id({ description: 'Builds the integration for this customer (customer-specific): only that customer can have instances of it.' }),
    }),
  },
  {
    description: 'An integration without flows yet: import its definition with importIntegration(integrationId), then publish.',
    resolve: (_root, { input }, ctx) =>
      withFieldErrors(async () => ({
        integration: await createIntegration(ctx.db, ctx.vault, actorOf(ctx), {
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
      avatarUrl: t.string({ description: 'An http(s) URL or a path starting with "/"; "" or null removes it.' }),
      customer: t.id({ description: "Only the integration's current customer: an integration's customer cannot change (an error names this field)." }),
      testConfigVariables: t.field({
        type: [InputInstanceConfigVariable],
        description:
          'Values of the test (system) instance that designer test runs use, merged as updateInstanceConfigVariables does; reusable connections take test values from createCustomerConfigVariable(isTest: true).',
      }),
    }),
  },
  {
    resolve: (_root, { input }, ctx) =>
      withFieldErrors(async () => ({
        integration: await updateIntegration(ctx.db, ctx.vault, actorOf(ctx), idOf('Integration', String(input.id)), {
          name: input.name,
          description: input.description,
          avatarUrl: input.avatarUrl,
          customerId: optionalIdOf('Customer', input.customer, 'customer'),
          testConfigVariables: input.testConfigVariables?.filter((value) => value != null),
        }),
      })),
  },
  { outputFields: payloadFields('integration', Integration) },
);

builder.relayMutationField(
  'forkIntegration',
  {
    inputFields: (t) => ({
      parent: t.id({ required: true, description: 'The integration whose draft definition the fork starts from.' }),
      name: t.string({ required: true }),
      description: t.string({ description: "The parent's when left out." }),
    }),
  },
  {
    description: 'A new, unpublished integration with its own stable key and a copy of the parent draft definition.',
    resolve: (_root, { input }, ctx) =>
      withFieldErrors(async () => ({
        integration: await forkIntegration(ctx.db, ctx.vault, actorOf(ctx), idOf('Integration', String(input.parent), 'parent'), {
          name: input.name,
          description: input.description,
        }),
      })),
  },
  { outputFields: payloadFields('integration', Integration) },
);

builder.relayMutationField(
  'updateIntegrationVersionAvailability',
  {
    inputFields: (t) => ({
      id: t.id({ required: true, description: 'An IntegrationVersion (a node of Integration.versionSequence).' }),
      available: t.boolean({ required: true, description: 'false: deployInstance skips this version; instances running it keep it.' }),
    }),
  },
  {
    resolve: (_root, { input }, ctx) =>
      withFieldErrors(async () => {
        const integrationVersion = await updateIntegrationVersionAvailability(
          ctx.db,
          actorOf(ctx),
          idOf('IntegrationVersion', String(input.id)),
          input.available,
        );
        return { integrationVersion, integration: await getIntegration(ctx.db, actorOf(ctx), integrationVersion.integrationId) };
      }),
  },
  {
    outputFields: (t) => ({
      integration: t.field({ type: Integration, nullable: true, resolve: (payload) => payload.integration ?? null }),
      integrationVersion: t.field({ type: IntegrationVersion, nullable: true, resolve: (payload) => payload.integrationVersion ?? null }),
      errors: t.field({ type: [ErrorType], resolve: (payload) => payload.errors }),
    }),
  },
);
