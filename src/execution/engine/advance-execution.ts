import { and, eq } from 'drizzle-orm';
import { executions, instances } from '../../db/tables';
import { claimExecution, releaseLease, renewLease, type ClaimedRun } from './lease';
import { enqueueAdvance } from '../../domain/executions/job-queue';
import { isTransientDatabaseError } from '../policy/transient-database-error';
import { describeError } from '../../lib/describe-error';
import { runContextOf, RunUnavailable, type RunContext } from './run-context';
import { LeaseLost, runFlow, StepFailed, type EngineDeps, type LeaseGuard } from './run-flow';
import { finishRun, logLine, runLog, storedOutput, type RunEnd } from './step-record';
import { runFanOutParent } from '../fan-out/run-parent';
import { AwaitingAuthentication } from './awaiting-authentication';
import { pauseForAuthentication } from '../../domain/executions/authentication-waits';
import { advanceFanOut } from '../fan-out/progress';
import { executionFields } from '../lifecycle-log';
import { executionsEnded } from '../../metrics/registry';

/**
 * The job handler: claim the execution, run its flow, record the end. A job for an execution someone else
 * holds (or that has ended) does nothing, so duplicate jobs are harmless.
 */
export async function advanceExecution(
  deps: EngineDeps,
  workerId: string,
  executionId: string,
  /** True once the worker is stopping: the run ends its step in flight, then hands the execution back. */
  stopping: () => boolean = () => false,
): Promise<void> {
  const { db, config } = deps;
  const claimed = await claimExecution(db, executionId, workerId, config.leaseMs);
  if (!claimed) return;
  const { execution } = claimed;
  const log = deps.log.child({ executionId, orgId: execution.orgId, claim: execution.claims });
  deps.log.info({ ...executionFields(execution), claim: execution.claims, fanOut: Boolean(execution.fanOut) }, 'execution started');

  const lease = keepLease(deps, workerId, executionId, stopping);
  try {
    if (execution.fanOut) await runFanOutParent(deps, workerId, execution, lease.guard).catch(lostLeaseEndsQuietly(log));
    else await runToEnd(deps, workerId, claimed, lease.guard);
  } catch (error) {
    if (!isTransientDatabaseError(error)) throw error;
    // The database failed, not the flow: the execution stays RUNNING and is handed back (best effort: the
    // database may still be away, then the lease simply runs out). Throwing makes graphile-worker retry the
    // job with backoff; the next claim continues from the stored step results, and the step that was in
    // flight is sent again with the same Idempotency-Key.
    log.warn({ err: describeError(error) }, 'database error during the run; the execution is retried');
    await releaseLease(db, executionId, workerId).catch(() => {});
    throw error;
  } finally {
    lease.stop();
  }
}

/**
 * The lease is renewed on a timer while the run is in progress (a step slower than the lease, or a long
 * backoff sleep, must not let another worker take the execution); the guard, asked between steps and around
 * retries, answers whether this worker still holds it. A renewal that fails because the database is away is
 * tried again on the next tick; one that finds another owner is final.
 */
function keepLease(deps: EngineDeps, workerId: string, executionId: string, stopping: () => boolean) {
  const { db, config } = deps;
  let lost = false;
  let renewedAt = Date.now();
  const extend = async () => {
    if (lost) return false;
    renewedAt = Date.now();
    if (!(await renewLease(db, executionId, workerId, config.leaseMs))) lost = true;
    return !lost;
  };
  // Asked only where nothing is in flight (between steps, around a retry), so only here may a stopping
  // worker hand the run back; the timer keeps extending the lease while a step finishes.
  const renew = async () => {
    if (lost) return false;
    if (stopping()) {
      lost = true;
      if (await releaseLease(db, executionId, workerId)) await enqueueAdvance(db, executionId, `handback:${executionId}`);
      return false;
    }
    return Date.now() - renewedAt < config.leaseMs / 3 ? true : extend();
  };
  const timer = setInterval(
    () => void extend().catch((error: unknown) => deps.log.debug({ executionId, err: describeError(error) }, 'lease renewal failed; retried on the next tick')),
    Math.max(50, Math.floor(config.leaseMs / 3)),
  );
  timer.unref();
  return {
    guard: {
      // Renewal is cheap but not free: asked between steps, it renews at most every third of the lease.
      renew,
    },
    stop: () => clearInterval(timer),
  };
}

async function runToEnd(deps: EngineDeps, workerId: string, { execution, rows }: ClaimedRun, guard: LeaseGuard): Promise<void> {
  const { db, config } = deps;
  const executionId = execution.id;
  const log = deps.log.child({ executionId, orgId: execution.orgId, claim: execution.claims });
  let status: 'SUCCEEDED' | 'FAILED' = 'SUCCEEDED';
  let result: unknown = null;
  let error: string | null = null;
  let ctx: RunContext | null = null;
  const logUnexpected = (failure: unknown) => {
    const { message, stack, ...rest } = describeError(failure);
    log.error(
      { err: { ...rest, message: ctx?.secrets.text(message) ?? message, stack: stack && (ctx?.secrets.text(stack) ?? stack) } },
      'execution failed unexpectedly',
    );
  };
  try {
    ctx = runContextOf(execution, rows, { maxStoredOutputBytes: config.maxStoredOutputBytes, secrets: deps.knownSecrets?.() });
    if (execution.claims > 1) logLine(ctx, 'INFO', `Resumed by another worker (claim ${execution.claims}); finished steps are not run again`);
    result = await runFlow(deps, ctx, guard);
  } catch (failure) {
    if (failure instanceof LeaseLost) {
      log.warn('lease lost; another worker continues this execution');
      return;
    }
    if (failure instanceof AwaitingAuthentication && ctx) {
      await runLog(db, ctx, 'WARN', `Authentication needed: ${failure.message}`, failure.stepName);
      const wait = { userId: failure.userId, connectionRef: failure.connectionRef, waitMs: config.authenticationWaitMs };
      if (await pauseForAuthentication(db, executionId, workerId, wait)) deps.log.info(executionFields(execution), 'execution waits for a user authentication');
      return;
    }
    if (isTransientDatabaseError(failure)) throw failure;
    status = 'FAILED';
    error = customerMessage(failure, executionId);
    if (!(failure instanceof StepFailed)) logUnexpected(failure);
  }
  // The end of the run is stored like a step's outcome: known secrets redacted, size bounded.
  if (ctx) {
    result = storedOutput(ctx, result);
    error = error == null ? null : ctx.secrets.text(error);
  }
  const endedAt = new Date();
  let ended;
  try {
    ended = ctx
      ? await finishRun(db, ctx, workerId, { status, result, error, endedAt })
      : await endWithoutContext(db, executionId, workerId, { status, result, error, endedAt });
  } catch (failure) {
    // The end carries the last steps' rows and the result; a value PostgreSQL refuses there (jsonb has no
    // \u0000) would fail every retry of the job alike, so the run ends FAILED without them instead.
    if (!ctx || isTransientDatabaseError(failure)) throw failure;
    logUnexpected(failure);
    status = 'FAILED';
    ended = await finishRun(db, ctx, workerId, { status, result: null, error: customerMessage(failure, executionId), endedAt });
  }
  if (ended) {
    executionsEnded.inc({ status });
    // The error text stays on the execution (it may quote the upstream answer); the line says where to look.
    const line = { ...executionFields(execution), status, durationMs: Date.now() - (execution.startedAt ?? execution.createdAt).getTime() };
    if (status === 'SUCCEEDED') deps.log.info(line, 'execution succeeded');
    else deps.log.warn(line, 'execution failed');
  }
  // A child's end frees its fan-out slot: the next customer starts now (the sweeper would, later).
  if (ended && execution.parentExecutionId) await advanceFanOut(db, execution.parentExecutionId, deps.log);
}

function lostLeaseEndsQuietly(log: EngineDeps['log']) {
  return (error: unknown) => {
    if (!(error instanceof LeaseLost)) throw error;
    log.warn('lease lost; another worker continues this fan-out');
  };
}

/**
 * What customers and vendors read as the execution's error. Step failures and a missing integration or
 * flow say why; anything else (a database or programming error) may carry SQL, parameters or paths, so it
 * is named only by the execution id the operator log is keyed by.
 */
function customerMessage(failure: unknown, executionId: string): string {
  if (failure instanceof StepFailed) return failure.message;
  if (failure instanceof RunUnavailable) return `Execution failed: ${failure.message}`;
  return `Execution failed because of an internal error; the operator log has the cause under execution ${executionId}.`;
}

/** The end of a run whose context could not even be built (its integration or flow is gone): nothing is pending. */
async function endWithoutContext(db: EngineDeps['db'], executionId: string, workerId: string, end: RunEnd) {
  const [ended] = await db
    .update(executions)
    .set({ status: end.status, result: (end.result ?? null) as never, error: end.error, endedAt: end.endedAt, leaseUntil: null })
    .where(and(eq(executions.id, executionId), eq(executions.leaseOwner, workerId), eq(executions.status, 'RUNNING')))
    .returning({ instanceId: executions.instanceId });
  if (ended?.instanceId) await db.update(instances).set({ lastExecutedAt: end.endedAt }).where(eq(instances.id, ended.instanceId));
  return ended ?? null;
}
