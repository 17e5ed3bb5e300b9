import { and, eq } from 'drizzle-orm';
import { executions, instances } from '../../db/tables';
import { claimExecution, renewLease } from './lease';
import { describeError } from '../../lib/describe-error';
import { loadRunContext, RunUnavailable, type RunContext } from './run-context';
import { LeaseLost, runFlow, StepFailed, type EngineDeps } from './run-flow';
import { runLog, storedOutput } from './step-record';

/**
 * The job handler: claim the execution, run its flow, record the end. A job for an execution someone else
 * holds (or that has ended) does nothing, so duplicate jobs are harmless.
 */
export async function advanceExecution(deps: EngineDeps, workerId: string, executionId: string): Promise<void> {
  const { db, config } = deps;
  const execution = await claimExecution(db, executionId, workerId, config.leaseMs);
  if (!execution) return;
  const log = deps.log.child({ executionId, orgId: execution.orgId, claim: execution.claims });

  // Renewal is cheap but not free: at most every third of the lease.
  let renewedAt = Date.now();
  const guard = {
    renew: async () => {
      if (Date.now() - renewedAt < config.leaseMs / 3) return true;
      renewedAt = Date.now();
      return renewLease(db, executionId, workerId, config.leaseMs);
    },
  };

  let status: 'SUCCEEDED' | 'FAILED' = 'SUCCEEDED';
  let result: unknown = null;
  let error: string | null = null;
  let ctx: RunContext | null = null;
  try {
    ctx = await loadRunContext(db, execution, { maxStoredOutputBytes: config.maxStoredOutputBytes, secrets: deps.knownSecrets?.() });
    if (execution.claims > 1) await runLog(db, ctx, 'INFO', `Resumed by another worker (claim ${execution.claims}); finished steps are not run again`);
    result = await runFlow(deps, ctx, guard);
  } catch (failure) {
    if (failure instanceof LeaseLost) {
      log.warn('lease lost; another worker continues this execution');
      return;
    }
    status = 'FAILED';
    error = customerMessage(failure, executionId);
    if (!(failure instanceof StepFailed)) {
      const { message, stack, ...rest } = describeError(failure);
      log.error(
        { err: { ...rest, message: ctx?.secrets.text(message) ?? message, stack: stack && (ctx?.secrets.text(stack) ?? stack) } },
        'execution failed unexpectedly',
      );
    }
  }
  // The end of the run is stored like a step's outcome: known secrets redacted, size bounded.
  if (ctx) {
    result = storedOutput(ctx, result);
    error = error == null ? null : ctx.secrets.text(error);
  }
  const [ended] = await db
    .update(executions)
    .set({ status, result: (result ?? null) as never, error, endedAt: new Date(), leaseUntil: null })
    .where(and(eq(executions.id, executionId), eq(executions.leaseOwner, workerId), eq(executions.status, 'RUNNING')))
    .returning({ instanceId: executions.instanceId });
  if (ended?.instanceId) await db.update(instances).set({ lastExecutedAt: new Date() }).where(eq(instances.id, ended.instanceId));
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
