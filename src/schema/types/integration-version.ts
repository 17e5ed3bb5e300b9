import { exportDefinition } from '../../domain/integrations/definition-export';
import { getIntegrationVersionsByIds, type IntegrationVersion as IntegrationVersionRow } from '../../domain/integrations/versions';
import { builder } from '../builder';
import { actorOf } from '../lib/actor';
import { connectionOf, OrderDirection } from '../lib/connection';
import { IntegrationDefinitionFormat } from './integration-definition-format';
import { User } from './user';

export const IntegrationVersion = builder.loadableNode('IntegrationVersion', {
  description: 'A published version of an integration: a frozen copy of the draft definition. Instances deploy the latest one.',
  id: { resolve: (version: IntegrationVersionRow) => version.id },
  sort: (version) => version.id,
  load: (ids: string[], ctx) => getIntegrationVersionsByIds(ctx.db, actorOf(ctx), ids),
  fields: (t) => ({
    versionNumber: t.exposeInt('versionNumber'),
    versionComment: t.exposeString('comment', { nullable: true }),
    versionCreatedAt: t.expose('publishedAt', { type: 'DateTime' }),
    versionCreatedBy: t.field({ type: User, nullable: true, resolve: (version) => version.publishedBy }),
    versionIsAvailable: t.exposeBoolean('isAvailable', {
      description: 'false once withdrawn (updateIntegrationVersionAvailability): no instance is newly deployed to it.',
    }),
    attributes: t.field({
      type: 'JSONString',
      nullable: true,
      description: 'What publishIntegration was given as `attributes` (commit and repository URLs), or null.',
      resolve: (version) => version.attributes,
    }),
    definition: t.string({
      description: 'This version as YAML in `format`.',
      args: { format: t.arg({ type: IntegrationDefinitionFormat, defaultValue: 'TENANTFLOW' }) },
      resolve: (version, args) => exportDefinition(version.definition, args.format ?? 'TENANTFLOW'),
    }),
  }),
});

export const IntegrationVersionConnection = connectionOf(IntegrationVersion, 'IntegrationVersion');

const IntegrationVersionOrderField = builder.enumType('IntegrationVersionOrderField', { values: ['VERSION_NUMBER'] as const });

export const IntegrationVersionOrder = builder.inputType('IntegrationVersionOrder', {
  fields: (t) => ({
    field: t.field({ type: IntegrationVersionOrderField, required: true }),
    direction: t.field({ type: OrderDirection, required: true }),
  }),
});
