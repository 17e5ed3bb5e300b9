import { flowIdOf } from '../../domain/integrations/flows';
import { builder } from '../builder';
import { ExecutionResult } from './execution-result';
import { Instance, systemInstanceOf } from './instance-node';
import { IntegrationFlow } from './integration-flow';

builder.objectFields(ExecutionResult, (t) => ({
  instance: t.field({
    type: Instance,
    nullable: true,
    description: "The instance that ran: for a test run its integration's test (system) instance; null for fan-out parents.",
    resolve: async (e, _args, ctx) => e.instanceId ?? (e.fanOut == null ? ((await systemInstanceOf(ctx, e.integrationId))?.id ?? null) : null),
  }),
  flow: t.field({
    type: IntegrationFlow,
    nullable: true,
    description: 'The flow that ran; null when the integration no longer has it.',
    resolve: (e) => flowIdOf(e.integrationId, e.flowStableKey),
  }),
}));
