import {
  deleteIntegration,
  getIntegration,
  importIntegration,
  listIntegrations,
  validateIntegrationDefinition,
  type IntegrationSortField,
} from '../../domain/integrations/integrations';
import { definitionMessages } from '../../domain/integrations/tenant-check';
import { publishIntegration } from '../../domain/integrations/versions';
import { builder } from '../builder';
import { ErrorType, payloadFields, withFieldErrors } from '../errors';
import { actorOf } from '../lib/actor';
import { OrderDirection, resolveConnection, sortsOf } from '../lib/connection';
import { idOf, optionalIdOf } from '../lib/ids';
import { Integration, IntegrationConnection } from './integration-node';
import { IntegrationVersion } from './integration-version';

export { Integration, IntegrationConnection } from './integration-node';
export { IntegrationFlow } from './integration-flow';
export { IntegrationVersion } from './integration-version';
export { RequiredConfigVariable } from './required-config-variable';

const WARNINGS_DESCRIPTION =
  'Problems that do not stop an import, as `<path>: <message>` (an env variable the definition reads that this organization lacks yet).';

const OrderField = builder.enumType('IntegrationOrderField', {
  values: ['CREATED_AT', 'NAME', 'UPDATED_AT', 'VERSION_NUMBER'] as const satisfies IntegrationSortField[],
});
const Order = builder.inputType('IntegrationOrder', {
  fields: (t) => ({ field: t.field({ type: OrderField, required: true }), direction: t.field({ type: OrderDirection, required: true }) }),
});

builder.queryFields((t) => ({
  integration: t.field({
    type: Integration,
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => getIntegration(ctx.db, actorOf(ctx), idOf('Integration', String(args.id))),
  }),
  integrations: t.connection(
    {
      type: Integration,
      args: {
        name: t.arg.string(),
        name_Icontains: t.arg.string(),
        stableKey: t.arg.string(),
        customer: t.arg.id({ description: 'Only the integrations built for this customer (customer-specific).' }),
        customer_Isnull: t.arg.boolean({ description: "true: only the organization's own integrations; false: only customer-specific ones." }),
        versionIsAvailable: t.arg.boolean({ description: 'true: integrations with an available published version; false: those without one.' }),
        allVersions: t.arg.boolean({ description: 'Accepted for Prismatic clients: an integration is listed once, with its versions in versionSequence.' }),
        offset: t.arg.int(),
        sortBy: t.arg({ type: [Order] }),
        orderBy: t.arg({ type: Order }),
      },
      resolve: (_root, args, ctx, info) => {
        const filter = {
          name: args.name,
          nameIcontains: args.name_Icontains,
          stableKey: args.stableKey,
          customerId: optionalIdOf('Customer', args.customer, 'customer'),
          customerIsNull: args.customer_Isnull,
          versionIsAvailable: args.versionIsAvailable,
        };
        return resolveConnection(args, (page) => listIntegrations(ctx.db, actorOf(ctx), filter, sortsOf(args), page), info);
      },
    },
    IntegrationConnection,
  ),
}));

builder.relayMutationField(
  'importIntegration',
  {
    inputFields: (t) => ({
      definition: t.string({
        required: true,
        description: "YAML or JSON (docs/definition.md), or Prismatic's integration YAML with definitionVersion 7 (docs/prismatic-yaml.md).",
      }),
      integrationId: t.id({ description: "Replace this integration's draft; otherwise the one with the definition's stableKey, else a new one." }),
      customer: t.id({ description: 'A new integration is built for this customer (customer-specific); an existing one keeps its owner.' }),
      replace: t.boolean({ description: 'Accepted for Prismatic clients (low-code ⇄ code-native swap); has no effect.' }),
    }),
  },
  {
    resolve: (_root, { input }, ctx) =>
      withFieldErrors(() =>
        importIntegration(ctx.db, ctx.vault, actorOf(ctx), {
          definition: input.definition,
          integrationId: optionalIdOf('Integration', input.integrationId, 'integrationId'),
          customerId: optionalIdOf('Customer', input.customer, 'customer'),
        }),
      ),
  },
  {
    outputFields: (t) => ({
      ...payloadFields('integration', Integration)(t),
      warnings: t.stringList({ description: WARNINGS_DESCRIPTION, resolve: (payload) => payload.warnings ?? [] }),
    }),
  },
);

builder.relayMutationField(
  'publishIntegration',
  {
    inputFields: (t) => ({
      id: t.id({ required: true }),
      comment: t.string(),
      attributes: t.string({
        description: 'A JSON object about the source (prism sends commitHash, commitUrl, repoUrl, pullRequestUrl), kept on the version.',
      }),
    }),
  },
  {
    resolve: (_root, { input }, ctx) =>
      withFieldErrors(async () => {
        const id = idOf('Integration', String(input.id));
        const integrationVersion = await publishIntegration(ctx.db, actorOf(ctx), id, { comment: input.comment, attributes: input.attributes });
        return { integrationVersion, integration: await getIntegration(ctx.db, actorOf(ctx), id) };
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

builder.relayMutationField(
  'deleteIntegration',
  { inputFields: (t) => ({ id: t.id({ required: true }) }) },
  {
    resolve: (_root, { input }, ctx) =>
      withFieldErrors(async () => ({ integration: await deleteIntegration(ctx.db, actorOf(ctx), idOf('Integration', String(input.id))) })),
  },
  { outputFields: payloadFields('integration', Integration) },
);

const ValidationResult = builder.objectRef<{ isValid: boolean }>('IntegrationSchemaValidationResult').implement({
  fields: (t) => ({ isValid: t.exposeBoolean('isValid') }),
});

builder.relayMutationField(
  'validateIntegrationSchema',
  { inputFields: (t) => ({ definition: t.string({ required: true }) }) },
  {
    resolve: async (_root, { input }, ctx) => {
      const { errors: problems, warnings } = await validateIntegrationDefinition(ctx.db, actorOf(ctx), input.definition);
      const errors = problems.length > 0 ? [{ field: 'definition', messages: definitionMessages(problems) }] : [];
      return { result: { isValid: problems.length === 0 }, errors, warnings };
    },
  },
  {
    outputFields: (t) => ({
      result: t.field({ type: ValidationResult, description: 'The same checks as importIntegration, nothing written.', resolve: (payload) => payload.result }),
      errors: t.field({ type: [ErrorType], resolve: (payload) => payload.errors }),
      warnings: t.stringList({ description: WARNINGS_DESCRIPTION, resolve: (payload) => payload.warnings }),
    }),
  },
);
