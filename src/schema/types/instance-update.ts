import { updateInstance, type VersionChoice } from '../../domain/instances';
import { decodeGlobalId } from '../../lib/global-id';
import { builder } from '../builder';
import { withFieldErrors } from '../errors';
import { actorOf } from '../lib/actor';
import { idOf, invalidIdError } from '../lib/ids';
import { id, InputInstanceConfigVariable, payload } from './instance-mutations';

const InputInstanceFlowConfig = builder.inputType('InputInstanceFlowConfig', {
  description:
    'One flow of the instance, as Prismatic clients send it. The flow must be one of the instance and given once. ' +
    'tenantflow keeps no per-flow settings here: webhook URLs carry an unguessable token (so apiKeys must be empty), ' +
    'signing is set with setInstanceFlowConfigSignature, and the test and LRE fields are accepted and keep nothing.',
  fields: (t) => ({
    flowId: t.id({ required: true, description: 'An IntegrationFlow of the instance.' }),
    apiKeys: t.stringList({ description: 'Must be empty or absent.' }),
    testPayload: t.string(),
    testHeaders: t.string(),
    testContentType: t.string(),
    usesLre: t.boolean(),
  }),
});

/** A version id (as Prismatic's clients send, e.g. `prism instances:update --version`), or the integration: follow the latest. */
function versionChoiceOf(globalId: string | number): VersionChoice {
  const decoded = decodeGlobalId(String(globalId));
  if (decoded?.typeName === 'IntegrationVersion') return { versionId: decoded.id };
  if (decoded?.typeName === 'Integration') return { integrationId: decoded.id };
  throw invalidIdError('integration', globalId, 'IntegrationVersion');
}

builder.relayMutationField(
  'updateInstance',
  {
    inputFields: (t) => ({
      id: t.id({ required: true }),
      name: t.string(),
      description: t.string(),
      enabled: t.boolean({ description: 'false: no flow of the instance runs (webhooks answer 404, schedules skip) until it is true again.' }),
      labels: t.stringList(),
      configVariables: t.field({
        type: [InputInstanceConfigVariable],
        description: 'Replaces every value: config variables left out are reset. Use updateInstanceConfigVariables to change some.',
      }),
      integration: t.id({
        description:
          'Moves the instance to another available version of its own integration (an IntegrationVersion id); the Integration id ' +
          'itself goes back to following the latest available version. The move takes effect at the next deployInstance (needsDeploy says so).',
      }),
      flowConfigs: t.field({ type: [InputInstanceFlowConfig], description: 'Checked and accepted; see InputInstanceFlowConfig.' }),
      configMode: t.string({ description: 'Only INSTANCE (any case): user-level values are user authentications of the connection.' }),
      preserveDeployState: t.boolean({
        description: 'Config changes never need a deploy here; with `integration`, true refuses a move that would need one.',
      }),
      globalDebug: t.boolean({ description: 'Accepted for Prismatic clients; tenantflow has no debug mode (step results are always kept).' }),
    }),
  },
  {
    resolve: (_root, { input: { id: instanceId, integration, flowConfigs, globalDebug: _globalDebug, ...fields } }, ctx) =>
      withFieldErrors(async () => ({
        instance: await updateInstance(ctx.db, ctx.vault, actorOf(ctx), id(instanceId), {
          ...fields,
          integration: integration != null && integration !== '' ? versionChoiceOf(integration) : null,
          flowConfigs: flowConfigs?.map((flowConfig) => ({ ...flowConfig, flowId: idOf('IntegrationFlow', String(flowConfig.flowId), 'flowConfigs') })),
        }),
      })),
  },
  payload,
);
