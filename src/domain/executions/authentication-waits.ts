import { and, asc, eq, lt, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { executions, userAuthentications, users } from '../../db/tables';
import { isOrgUser, type Actor } from '../actor';
import { invalid, NotFoundError } from '../errors';
import type { Page, PageResult } from '../pagination';
import { enqueueAdvanceMany } from './job-queue';
import type { ExecutionRow } from './executions';

const waiting = eq(executions.status, 'AUTHENTICATION_NEEDED');

/**
 * Parks a run the worker holds until its user authenticates: AUTHENTICATION_NEEDED, no lease and no job,
 * so it costs nothing while it waits and survives any restart (it is only a row).
 */
export async function pauseForAuthentication(
  db: DbOrTx,
  executionId: string,
  workerId: string,
  wait: { userId: string; connectionRef: string; waitMs: number },
): Promise<boolean> {
  const paused = await db
    .update(executions)
    .set({
      status: 'AUTHENTICATION_NEEDED',
      waitingUserId: wait.userId,
      waitingConnectionRef: wait.connectionRef,
      waitingUntil: sql`now() + ${`${wait.waitMs} milliseconds`}::interval`,
      leaseOwner: null,
      leaseUntil: null,
    })
    .where(and(eq(executions.id, executionId), eq(executions.leaseOwner, workerId), eq(executions.status, 'RUNNING')))
    .returning({ id: executions.id });
  return paused.length > 0;
}

/**
 * After a user authentication got tokens: every run waiting for that user on that connection is queued
 * again, in one statement with its jobs; each continues at the step that paused (finished steps are stored).
 * The run-time budget counts again from the resume: the wait was the user's, not the run's.
 */
export async function resumeWaitingRuns(db: DbOrTx, userAuthenticationId: string): Promise<number> {
  return db.transaction(async (tx) => {
    const [auth] = await tx.select().from(userAuthentications).where(eq(userAuthentications.id, userAuthenticationId));
    if (!auth) return 0;
    const resumed = await tx
      .update(executions)
      .set({ status: 'QUEUED', waitingUserId: null, waitingConnectionRef: null, waitingUntil: null, startedAt: null })
      .where(and(waiting, eq(executions.waitingUserId, auth.userId), eq(executions.waitingConnectionRef, auth.connectionRef)))
      .returning({ id: executions.id });
    await enqueueAdvanceMany(
      tx,
      resumed.map((row) => row.id),
    );
    return resumed.length;
  });
}

/** Runs that waited longer than USER_AUTHENTICATION_WAIT_MS fail, naming the user they waited for. */
export async function expireWaitingRuns(db: DbOrTx): Promise<number> {
  const expired = await db
    .update(executions)
    .set({
      status: 'FAILED',
      endedAt: new Date(),
      error: sql`'The run waited for user ' || coalesce((select ${users.name} from ${users} where ${users.id} = ${executions.waitingUserId}), 'unknown') || ' to authenticate and gave up (USER_AUTHENTICATION_WAIT_MS).'`,
    })
    .where(and(waiting, lt(executions.waitingUntil, sql`now()`)))
    .returning({ id: executions.id });
  return expired.length;
}

/** Ends a waiting or queued run at once; a running one cannot be taken from its worker. */
export async function cancelExecution(db: DbOrTx, actor: Actor, executionId: string): Promise<ExecutionRow> {
  const visible = isOrgUser(actor) ? eq(executions.orgId, actor.orgId) : and(eq(executions.orgId, actor.orgId), eq(executions.customerId, actor.customerId!));
  const [row] = await db
    .select({ status: executions.status })
    .from(executions)
    .where(and(visible, eq(executions.id, executionId)));
  if (!row) throw new NotFoundError();
  const [cancelled] = await db
    .update(executions)
    .set({ status: 'FAILED', endedAt: new Date(), error: 'Cancelled (cancelExecution).', leaseUntil: null, waitingUntil: null })
    .where(and(eq(executions.id, executionId), sql`${executions.status} in ('QUEUED', 'AUTHENTICATION_NEEDED')`))
    .returning();
  if (!cancelled) throw invalid('id', `Only queued runs and runs waiting for an authentication can be cancelled; this one is ${row.status}.`);
  return cancelled;
}

/** What waits for the signed-in user: their runs in AUTHENTICATION_NEEDED, oldest first. */
export async function listMyWaitingExecutions(db: DbOrTx, actor: Actor, page: Page): Promise<PageResult<ExecutionRow>> {
  const where = and(eq(executions.orgId, actor.orgId), waiting, eq(executions.waitingUserId, actor.userId))!;
  const [rows, [total]] = await Promise.all([
    db.select().from(executions).where(where).orderBy(asc(executions.createdAt), asc(executions.id)).limit(page.limit).offset(page.offset),
    db
      .select({ n: sql<number>`count(*)::int` })
      .from(executions)
      .where(where),
  ]);
  return { rows, totalCount: total?.n ?? 0 };
}
