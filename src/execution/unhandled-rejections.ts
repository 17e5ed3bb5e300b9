import { describeError } from '../lib/describe-error';
import type { Logger } from '../log';
import { isTransientDatabaseError } from './policy/transient-database-error';

/**
 * For the process that runs a worker: graphile-worker 0.17 leaves some of its own promises unawaited, so a
 * database outage can surface as an unhandled rejection. Such a database error is logged and the process
 * keeps running (the supervisor restarts the runner; pools reconnect on their next query). Anything else is
 * a bug with unknown state, handed to `stop`, which must end the process: never half alive.
 */
export function handleUnhandledRejections(log: Logger, stop: (reason: unknown) => void) {
  process.on('unhandledRejection', (reason) => {
    if (isTransientDatabaseError(reason)) {
      log.warn({ err: describeError(reason) }, 'unhandled database error (transient); the worker recovers');
      return;
    }
    stop(reason);
  });
}
