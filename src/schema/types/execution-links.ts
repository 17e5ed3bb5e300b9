import { flowIdOf } from '../../domain/integrations/flows';
import { builder } from '../builder';
import { ExecutionResult } from './execution-result';
import { Instance } from './instance-node';
import { IntegrationFlow } from './integration-flow';

builder.objectFields(ExecutionResult, (t) => ({
  instance: t.field({
    type: Instance,
    nullable: true,
    description: 'The instance that ran; null for test runs and fan-out parents.',
    resolve: (e) => e.instanceId,
  }),
  flow: t.field({
    type: IntegrationFlow,
    nullable: true,
    description: 'The flow that ran; null when the integration no longer has it.',
    resolve: (e) => flowIdOf(e.integrationId, e.flowStableKey),
  }),
}));
