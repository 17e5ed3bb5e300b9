import { createHash } from 'node:crypto';
import type { DbOrTx } from '../../db/client';
import type { Vault } from '../../vault/vault';
import { requireOrgAdmin, type Actor } from '../actor';
import { parseBundle } from './bundle';
import { connectionFinder } from './connection-finder';
import { planIntegrations } from './plan-integrations';
import { planCustomers, planInstances } from './plan-instances';
import { connectionLookup, planComponents, planConnections, planEnvVariables } from './plan-setup';
import { PlanBuilder, type ApplyStep, type SyncPlanItem, type SyncProblem } from './plan-types';
import { loadTargetState } from './target';

export type SyncPlan = {
  /** Digest of the target's state and the bundle: applySync refuses a plan whose hash no longer matches. */
  planHash: string;
  /** Objects an apply creates or updates. */
  changes: number;
  items: SyncPlanItem[];
  /** Any problem stops the apply. */
  problems: SyncProblem[];
};

/** What an apply needs beyond the plan: the steps, in order, and the target ids known before it starts. */
export type ExecutablePlan = { plan: SyncPlan; steps: ApplyStep[]; ids: Map<string, string> };

/** Dry run: what applying the bundle would do to the actor's organization, writing nothing. */
export async function planSync(db: DbOrTx, vault: Vault, actor: Actor, bundleText: string): Promise<SyncPlan> {
  requireOrgAdmin(actor, 'plan a tenant sync');
  return (await buildPlan(db, vault, actor, bundleText)).plan;
}

export async function buildPlan(db: DbOrTx, vault: Vault, actor: Actor, bundleText: string): Promise<ExecutablePlan> {
  const target = await loadTargetState(db, vault, actor);
  const planHash = createHash('sha256').update(target.digest).update('\n').update(bundleText).digest('base64url');
  const builder = new PlanBuilder();
  const ids = new Map<string, string>();
  const parsed = parseBundle(bundleText);
  if (!parsed.ok) {
    for (const message of parsed.messages) builder.problem('INVALID_BUNDLE', 'bundle', message);
  } else {
    const bundle = parsed.bundle;
    const bundleComponents = planComponents(builder, bundle, target);
    const lookup = connectionLookup(bundleComponents, connectionFinder(db, actor), actor.orgId);
    planEnvVariables(builder, bundle, target);
    await planConnections(builder, bundle, target, lookup);
    const integrations = planIntegrations(builder, bundle, target, { customerSpecific: false });
    for (const [stableKey, configured] of target.integrations) ids.set(`integration:${stableKey}`, configured.integration.id);
    planCustomers(builder, bundle, target, ids);
    for (const [stableKey, planned] of planIntegrations(builder, bundle, target, { customerSpecific: true })) integrations.set(stableKey, planned);
    await planInstances(builder, bundle, target, integrations, lookup);
  }
  const changes = builder.items.filter((item) => item.action === 'CREATE' || item.action === 'UPDATE').length;
  return { plan: { planHash, changes, items: builder.items, problems: builder.problems }, steps: builder.steps, ids };
}
