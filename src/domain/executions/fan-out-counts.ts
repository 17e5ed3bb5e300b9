import { and, eq, inArray, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { executions, type ExecutionStatus } from '../../db/tables';
import type { Actor } from '../actor';

/** How many children of a fan-out are in each state. */
export type FanOutCounts = { total: number; queued: number; running: number; succeeded: number; failed: number };

/** AUTHENTICATION_NEEDED children (waiting for a user's authentication) have started and not ended: they count as running. */
function bucketOf(status: ExecutionStatus): keyof Omit<FanOutCounts, 'total'> {
  return status === 'QUEUED' ? 'queued' : status === 'SUCCEEDED' ? 'succeeded' : status === 'FAILED' ? 'failed' : 'running';
}

/** The end of a parent whose children have all ended: it succeeds only when every child did. */
export function fanOutEnd(counts: FanOutCounts): { status: 'SUCCEEDED' | 'FAILED'; result: FanOutCounts; error: string | null } {
  if (counts.failed === 0) return { status: 'SUCCEEDED', result: counts, error: null };
  return {
    status: 'FAILED',
    result: counts,
    error: `Fan-out: ${counts.failed} of ${counts.total} customer runs failed, ${counts.succeeded} succeeded; each child run has its error.`,
  };
}

/** The children counts of many fan-out parents in one query (the parents' visibility is the caller's check). */
export async function fanOutCountsOf(db: DbOrTx, actor: Actor, parentIds: readonly string[]): Promise<Map<string, FanOutCounts>> {
  const counts = new Map<string, FanOutCounts>(parentIds.map((id) => [id, { total: 0, queued: 0, running: 0, succeeded: 0, failed: 0 }]));
  if (parentIds.length === 0) return counts;
  const rows = await db
    .select({ parentId: executions.parentExecutionId, status: executions.status, n: sql<number>`count(*)::int` })
    .from(executions)
    .where(and(eq(executions.orgId, actor.orgId), inArray(executions.parentExecutionId, [...parentIds])))
    .groupBy(executions.parentExecutionId, executions.status);
  for (const { parentId, status, n } of rows) {
    const of = counts.get(parentId!)!;
    of.total += n;
    of[bucketOf(status)] += n;
  }
  return counts;
}
