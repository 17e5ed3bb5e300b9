import { applySync, type SyncApplyResult as ApplyResult } from '../../domain/sync/apply';
import { exportBundle } from '../../domain/sync/export';
import { planSync, type SyncPlan as Plan } from '../../domain/sync/plan';
import type {
  SyncAction as Action,
  SyncObjectKind as ObjectKind,
  SyncPlanItem as PlanItem,
  SyncProblem as Problem,
  SyncProblemKind as ProblemKind,
} from '../../domain/sync/plan-types';
import { builder } from '../builder';
import { ErrorType, withFieldErrors } from '../errors';
import { actorOf } from '../lib/actor';

const SyncObjectKind = builder.enumType('SyncObjectKind', {
  values: ['COMPONENT', 'ENV_VARIABLE', 'CONNECTION', 'INTEGRATION', 'CUSTOMER', 'INSTANCE'] as const satisfies ObjectKind[],
});
const SyncAction = builder.enumType('SyncAction', { values: ['CREATE', 'UPDATE', 'UNCHANGED', 'BLOCKED'] as const satisfies Action[] });
const SyncProblemKind = builder.enumType('SyncProblemKind', {
  values: [
    'INVALID_BUNDLE',
    'MISSING_STABLE_KEY',
    'MISSING_REFERENCE',
    'IMMUTABLE_GLOBAL_VALUE',
    'MISSING_SECRET',
    'MISSING_CUSTOMER_VALUES',
    'INCOMPLETE_CONFIG',
    'UNAVAILABLE_VERSION',
    'CUSTOMER_MISMATCH',
  ] as const satisfies ProblemKind[],
});

const SyncPlanItem = builder.objectRef<PlanItem>('SyncPlanItem').implement({
  description: 'One object of the bundle and what applying it does in this tenant.',
  fields: (t) => ({
    kind: t.field({ type: SyncObjectKind, resolve: (item) => item.kind }),
    key: t.exposeString('key', {
      description: 'Stable key, externalId, component key, env variable name, or `<customer>/<integration>/<name>` for an instance.',
    }),
    action: t.field({ type: SyncAction, resolve: (item) => item.action }),
    fields: t.exposeStringList('fields', { description: 'For UPDATE: what changes (`flows.<stableKey>`, `inputs.<name>`, `deploy` …).' }),
    notes: t.exposeStringList('notes', { description: 'What remains to do in this tenant after the apply (e.g. per-customer values to set).' }),
  }),
});

const SyncProblem = builder.objectRef<Problem>('SyncProblem').implement({
  description: 'A problem that stops applySync.',
  fields: (t) => ({
    kind: t.field({ type: SyncProblemKind, resolve: (problem) => problem.kind }),
    object: t.exposeString('object'),
    message: t.exposeString('message'),
  }),
});

const SyncPlan = builder.objectRef<Plan>('SyncPlan').implement({
  fields: (t) => ({
    planHash: t.exposeString('planHash', { description: 'Pass to applySync: it refuses when this tenant (or the bundle) changed since.' }),
    changes: t.exposeInt('changes', { description: 'Objects an apply creates or updates.' }),
    items: t.field({ type: [SyncPlanItem], resolve: (plan) => plan.items }),
    problems: t.field({ type: [SyncProblem], resolve: (plan) => plan.problems }),
  }),
});

const SyncApplyResult = builder.objectRef<ApplyResult>('SyncApplyResult').implement({
  fields: (t) => ({
    changes: t.exposeInt('changes'),
    items: t.field({ type: [SyncPlanItem], resolve: (result) => result.items }),
  }),
});

builder.queryFields((t) => ({
  exportBundle: t.string({
    description:
      "This organization's integrations, connections, env variables and private components (and with includeCustomers its customers, their customer-specific integrations and instances) as a sync bundle (docs/sync.md). Secrets are only named, never included.",
    args: { includeCustomers: t.arg.boolean({ defaultValue: false }) },
    resolve: (_root, args, ctx) => exportBundle(ctx.db, ctx.vault, actorOf(ctx), { includeCustomers: args.includeCustomers ?? false }),
  }),
  planSync: t.field({
    type: SyncPlan,
    description: 'What applying the bundle would do in this organization, writing nothing.',
    args: { bundle: t.arg.string({ required: true }) },
    resolve: (_root, args, ctx) => planSync(ctx.db, ctx.vault, actorOf(ctx), args.bundle),
  }),
}));

builder.relayMutationField(
  'applySync',
  { inputFields: (t) => ({ bundle: t.string({ required: true }), planHash: t.string({ required: true }) }) },
  { resolve: (_root, { input }, ctx) => withFieldErrors(async () => ({ result: await applySync(ctx.db, ctx.vault, actorOf(ctx), input) })) },
  {
    outputFields: (t) => ({
      result: t.field({ type: SyncApplyResult, nullable: true, resolve: (payload) => payload.result ?? null }),
      errors: t.field({ type: [ErrorType], resolve: (payload) => payload.errors }),
    }),
  },
);
