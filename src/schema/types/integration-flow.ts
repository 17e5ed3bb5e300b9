import { getFlowsByIds, type FlowSchedule, type IntegrationFlowRecord } from '../../domain/integrations/flows';
import { builder } from '../builder';
import { actorOf } from '../lib/actor';
import { connectionOf } from '../lib/connection';

const TriggerType = builder.enumType('IntegrationFlowTriggerType', { values: ['WEBHOOK', 'SCHEDULE', 'API'] as const });

const Schedule = builder.objectRef<FlowSchedule>('IntegrationFlowSchedule').implement({
  description: "When a scheduled flow runs: a fixed cron, or each instance's value of a schedule config variable (`configVar`, with its default as `cron`).",
  fields: (t) => ({
    cron: t.exposeString('cron', { nullable: true }),
    timeZone: t.exposeString('timeZone'),
    configVar: t.exposeString('configVar', { nullable: true }),
  }),
});

export const IntegrationFlow = builder.loadableNode('IntegrationFlow', {
  description: "One flow of an integration. Its id is derived from the integration's id and the flow's stable key, so it survives renames and new versions.",
  id: { resolve: (flow: IntegrationFlowRecord) => flow.id },
  sort: (flow) => flow.id,
  load: (ids: string[], ctx) => getFlowsByIds(ctx.db, actorOf(ctx), ids),
  fields: (t) => ({
    name: t.string({ resolve: (record) => record.flow.name }),
    stableKey: t.string({ resolve: (record) => record.flow.stableKey }),
    description: t.string({ nullable: true, resolve: (record) => record.flow.description ?? null }),
    isSynchronous: t.exposeBoolean('isSynchronous', { description: 'A synchronous webhook: the caller waits for the result.' }),
    triggerType: t.field({ type: TriggerType, resolve: (record) => record.triggerType }),
    schedule: t.field({ type: Schedule, nullable: true, resolve: (record) => record.schedule }),
  }),
});

export const IntegrationFlowConnection = connectionOf(IntegrationFlow, 'IntegrationFlow');
