import { integrationFlowKey, openWebhookToken, systemFlowConfigsOf, type InstanceFlowConfig } from '../../domain/instances';
import type { IntegrationFlowRecord } from '../../domain/integrations/flows';
import type { Context } from '../context';
import { builder } from '../builder';
import { actorOf } from '../lib/actor';
import { requestDataKeys } from '../lib/connection-loaders';
import { requestLoader } from '../lib/loaders';
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

/** The test (system) instance's flow config of this flow: one statement for every flow in a response. */
const systemFlowConfigOf = (ctx: Context, record: IntegrationFlowRecord) =>
  requestLoader<IntegrationFlowRecord, InstanceFlowConfig | null>(
    ctx,
    'systemFlowConfigs',
    async (records) => {
      const found = await systemFlowConfigsOf(
        ctx.db,
        actorOf(ctx),
        records.map((r) => r.integrationId),
      );
      return records.map((r) => found.get(integrationFlowKey(r.integrationId, r.flow.stableKey)) ?? null);
    },
    (r) => integrationFlowKey(r.integrationId, r.flow.stableKey),
  ).load(record);

builder.objectFields(IntegrationFlow, (t) => ({
  trigger: t.field({ type: FlowTrigger, resolve: keyOf }),
  testUrl: t.string({
    nullable: true,
    description:
      "The test (system) instance's webhook URL of this flow (Integration.systemInstance.flowConfigs): POST here to test-run it " +
      "in the draft, whatever its trigger (as testIntegrationFlow does, with the test instance's values); the token in it is the " +
      'only secret. Null for anyone but organization admins.',
    resolve: async (record, _args, ctx) => {
      const config = await systemFlowConfigOf(ctx, record);
      return config ? `${ctx.publicUrl}/webhooks/${await openWebhookToken(ctx.vault, requestDataKeys(ctx), config)}` : null;
    },
  }),
}));
