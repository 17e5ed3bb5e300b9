import { exportDefinition, requestedFormat } from '../../domain/integrations/definition-export';
import { flowsOf } from '../../domain/integrations/flows';
import { getIntegrationsByIds, type Integration as IntegrationRow } from '../../domain/integrations/integrations';
import { integrationVersionByNumber, listIntegrationVersions } from '../../domain/integrations/versions';
import type { Page } from '../../domain/pagination';
import { builder } from '../builder';
import { actorOf } from '../lib/actor';
import { connectionOf, resolveConnection, sortsOf } from '../lib/connection';
import { Customer } from './customer';
import { IntegrationDefinitionFormat } from './integration-definition-format';
import { IntegrationFlow, IntegrationFlowConnection } from './integration-flow';
import { IntegrationVersion, IntegrationVersionConnection, IntegrationVersionOrder } from './integration-version';
import { RequiredConfigVariable, RequiredConfigVariableConnection } from './required-config-variable';

const slice = async <T>(items: T[], page: Page) => ({ rows: items.slice(page.offset, page.offset + page.limit), totalCount: items.length });

export const Integration = builder.loadableNode('Integration', {
  description: 'An integration: its draft definition (what imports replace) and its published versions (what instances deploy).',
  id: { resolve: (integration: IntegrationRow) => integration.id },
  sort: (integration) => integration.id,
  load: (ids: string[], ctx) => getIntegrationsByIds(ctx.db, actorOf(ctx), ids),
  fields: (t) => ({
    name: t.exposeString('name'),
    description: t.exposeString('description', { nullable: true }),
    stableKey: t.exposeString('stableKey', {
      nullable: true,
      description: 'Matches this integration across tenants: importing a definition with this stable key replaces it.',
    }),
    versionNumber: t.exposeInt('versionNumber', { description: 'The highest published version; 0 until the first publish.' }),
    labels: t.stringList({ resolve: () => [] }),
    category: t.string({ nullable: true, resolve: () => null }),
    customer: t.field({
      type: Customer,
      nullable: true,
      description: "The customer this integration was built for, who alone can have instances of it; null: the organization's own.",
      resolve: (integration) => integration.customerId,
    }),
    definition: t.string({
      nullable: true,
      description: 'The definition as YAML in `format`: the draft, or the published version `versionNumber` (null when there is no such version).',
      args: {
        format: t.arg({ type: IntegrationDefinitionFormat, description: "TENANTFLOW unless `version` asks for Prismatic's." }),
        version: t.arg.int({ description: "Prismatic's definitionVersion (prism sends 7): without `format`, answers Prismatic's YAML." }),
        versionNumber: t.arg.int({ description: 'A published version number; the draft when left out.' }),
        useLatestComponentVersions: t.arg.boolean({ description: 'Accepted for Prismatic clients; components are not versioned here.' }),
      },
      resolve: async (integration, args, ctx) => {
        const format = requestedFormat(args.format, args.version);
        if (args.versionNumber == null) return exportDefinition(integration.definition, format);
        const version = await integrationVersionByNumber(ctx.db, actorOf(ctx), integration.id, args.versionNumber);
        return version ? exportDefinition(version.definition, format) : null;
      },
    }),
    flows: t.connection(
      {
        type: IntegrationFlow,
        description: "The draft definition's flows, in order.",
        args: { offset: t.arg.int() },
        resolve: (integration, args, _ctx, info) => resolveConnection(args, (page) => slice(flowsOf(integration.id, integration.definition), page), info),
      },
      IntegrationFlowConnection,
    ),
    requiredConfigVariables: t.connection(
      {
        type: RequiredConfigVariable,
        description: "The draft definition's config variables, in order.",
        args: { key: t.arg.string(), offset: t.arg.int() },
        resolve: (integration, args, _ctx, info) => {
          const all = (integration.definition.requiredConfigVars ?? []).filter((configVar) => args.key == null || configVar.key === args.key);
          return resolveConnection(
            args,
            (page) =>
              slice(
                all.map((configVar) => ({ integrationId: integration.id, configVar })),
                page,
              ),
            info,
          );
        },
      },
      RequiredConfigVariableConnection,
    ),
    versionSequence: t.connection(
      {
        type: IntegrationVersion,
        description: 'Published versions, newest first.',
        args: {
          versionIsAvailable: t.arg.boolean(),
          offset: t.arg.int(),
          sortBy: t.arg({ type: [IntegrationVersionOrder] }),
          orderBy: t.arg({ type: IntegrationVersionOrder }),
        },
        resolve: (integration, args, ctx, info) =>
          resolveConnection(
            args,
            (page) =>
              listIntegrationVersions(ctx.db, actorOf(ctx), integration.id, page, {
                direction: sortsOf(args)[0]?.direction,
                isAvailable: args.versionIsAvailable,
              }),
            info,
          ),
      },
      IntegrationVersionConnection,
    ),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

export const IntegrationConnection = connectionOf(Integration, 'Integration');
