import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import type { Vault } from '../../vault/vault';
import { requireOrgAdmin, type Actor } from '../actor';
import { invalid, InvalidInputError } from '../errors';
import { connectionFinder } from './connection-finder';
import { buildPlan } from './plan';
import type { SyncPlanItem } from './plan-types';

export type SyncApplyInput = { bundle: string; planHash: string };
export type SyncApplyResult = { changes: number; items: SyncPlanItem[] };

/**
 * Applies a bundle exactly as planned, in one transaction: everything or nothing. The plan is made again
 * inside the transaction, after taking the organization's sync lock (one sync at a time); a different hash means
 * the target or the bundle changed since the caller reviewed the plan, and nothing is written.
 */
export async function applySync(db: Db, vault: Vault, actor: Actor, input: SyncApplyInput): Promise<SyncApplyResult> {
  requireOrgAdmin(actor, 'apply a tenant sync');
  if (!input.planHash) throw invalid('planHash', 'This field is required: run planSync first and pass its planHash.');
  // Read committed on purpose: under repeatable read the snapshot would date from before the lock wait,
  // and a sync committed meanwhile would be invisible to this plan.
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`tenant-sync:${actor.orgId}`}))`);
    const { plan, steps, ids } = await buildPlan(tx, vault, actor, input.bundle);
    if (plan.planHash !== input.planHash) {
      throw invalid('planHash', 'The target (or the bundle) changed since this plan was made: make a new plan, review it, and apply that one.');
    }
    if (plan.problems.length > 0) {
      throw new InvalidInputError([{ field: 'bundle', messages: plan.problems.map((problem) => `${problem.object}: ${problem.message}`) }]);
    }
    const context = { tx, vault, actor, ids, findConnection: connectionFinder(tx, actor) };
    for (const step of steps) await step(context);
    return { changes: plan.changes, items: plan.items };
  });
}
