import type { IntegrationFlowRecord } from '../../domain/integrations/flows';
import { flowTestToken } from '../../domain/integrations/test-urls';
import { builder } from '../builder';
import { actorOf } from '../lib/actor';
import { requestDataKeys } from '../lib/connection-loaders';
import { IntegrationFlow } from './integration-flow';

type TriggerKey = 'webhook' | 'schedule' | 'api';
const keyOf = (record: IntegrationFlowRecord) => record.triggerType.toLowerCase() as TriggerKey;

const ScheduleSupport = builder.enumType('ActionScheduleSupport', { values: ['INVALID', 'REQUIRED', 'VALID'] as const });

const TriggerComponent = builder.objectRef<TriggerKey>('IntegrationFlowTriggerComponent').implement({
  description: "Prismatic clients read a trigger's component key; tenantflow's triggers are built in, named webhook, schedule and api.",
  fields: (t) => ({ key: t.string({ resolve: (key) => key }) }),
});

const TriggerAction = builder.objectRef<TriggerKey>('IntegrationFlowTriggerAction').implement({
  fields: (t) => ({
    key: t.string({ resolve: (key) => key }),
    component: t.field({ type: TriggerComponent, resolve: (key) => key }),
    isPollingTrigger: t.boolean({ description: 'Always false: tenantflow has no polling triggers.', resolve: () => false }),
    scheduleSupport: t.field({ type: ScheduleSupport, resolve: (key) => (key === 'schedule' ? 'REQUIRED' : 'INVALID') }),
  }),
});

const FlowTrigger = builder.objectRef<TriggerKey>('IntegrationFlowTrigger').implement({
  description: 'What starts the flow, in the shape Prismatic clients read (`trigger { action { component { key } } }`).',
  fields: (t) => ({ action: t.field({ type: TriggerAction, resolve: (key) => key }) }),
});

builder.objectFields(IntegrationFlow, (t) => ({
  trigger: t.field({ type: FlowTrigger, resolve: keyOf }),
  testUrl: t.string({
    nullable: true,
    description:
      "POST here to test-run this flow of the draft (as testIntegrationFlow does, with the organization's test credentials); " +
      'the token in it is the only secret. Null for anyone but organization admins.',
    resolve: async (record, _args, ctx) => {
      const token = await flowTestToken(ctx.db, ctx.vault, requestDataKeys(ctx), actorOf(ctx), record);
      return token == null ? null : `${ctx.publicUrl}/test-webhooks/${token}`;
    },
  }),
}));
