import type { Execution } from '../domain/executions/start-execution';
import { observeQueued } from '../domain/executions/start-execution';
import type { Logger } from '../log';

/**
 * The operator's view of an execution's life: one line per change, keyed by execution, organization and
 * customer. Never a payload, a result, an error text from upstream or a secret: the run log (execution_logs)
 * and the execution's own fields hold those, behind the API's permissions.
 */
export const executionFields = (execution: Pick<Execution, 'id' | 'orgId' | 'customerId'>) => ({
  executionId: execution.id,
  orgId: execution.orgId,
  customerId: execution.customerId,
});

/** Logs every execution this process queues (webhooks, schedules, API runs); returns the unsubscribe. */
export function logQueuedExecutions(log: Logger): () => void {
  return observeQueued((execution) => log.info({ ...executionFields(execution), invokeType: execution.invokeType }, 'execution queued'));
}
