import { and, eq, sql } from 'drizzle-orm';
import { executions } from '../../db/tables';
import type { Execution } from '../../domain/executions/start-execution';
import { LeaseLost, type EngineDeps, type LeaseGuard } from '../engine/run-flow';
import { insertChildBatch } from './children';
import { advanceFanOut } from './progress';

/**
 * The claimed parent of a fan-out inserts its children in batches (dispatching the first ones at once, so
 * customers start while the rest are inserted), then waits: it stays RUNNING without a lease, holding no
 * worker, until children ending (or the sweeper) end it through `advanceFanOut`.
 *
 * A worker killed mid-way stops renewing; the next claim starts again here and inserts only the instances
 * that have no child yet.
 */
export async function runFanOutParent(deps: EngineDeps, workerId: string, parent: Execution, guard: LeaseGuard): Promise<void> {
  const { db } = deps;
  for (;;) {
    if (!(await guard.renew())) throw new LeaseLost();
    const inserted = await insertChildBatch(db, parent.id);
    await advanceFanOut(db, parent.id, deps.log);
    // Stop on an empty batch, not a short one: a short batch may have lost races to a lapsed claim.
    if (inserted === 0) break;
  }
  const [waiting] = await db
    .update(executions)
    .set({ leaseOwner: null, leaseUntil: null })
    .where(and(eq(executions.id, parent.id), eq(executions.leaseOwner, workerId), eq(executions.status, 'RUNNING')))
    .returning({ id: executions.id, total: sql<number>`(select count(*)::int from ${executions} c where c.parent_execution_id = ${parent.id})` });
  if (!waiting) throw new LeaseLost();
  deps.log.info({ executionId: parent.id, children: waiting.total }, 'fan-out inserted its children; it ends when they have');
  await advanceFanOut(db, parent.id, deps.log);
}
