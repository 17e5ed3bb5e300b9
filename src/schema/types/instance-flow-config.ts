import { getFlowConfigsByIds, type InstanceFlowConfigView } from '../../domain/instances/flow-configs';
import { builder } from '../builder';
import { actorOf } from '../lib/actor';
import { connectionOf } from '../lib/connection';
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
      resolve: (view, _args, ctx) => `${ctx.publicUrl}/webhooks/${view.config.webhookToken}`,
    }),
    apiKeys: t.stringList({ description: 'Always empty: webhook URLs carry an unguessable token instead.', resolve: () => [] }),
  }),
});

export const InstanceFlowConfigConnection = connectionOf(InstanceFlowConfig, 'InstanceFlowConfig');
