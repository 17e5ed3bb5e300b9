/**
 * Whether an error is the database (or the way to it) failing for a moment rather than the flow failing:
 * a run that meets one is not failed but retried from its stored step results once the database answers.
 *
 * - SQLSTATE class 08 (connection exception), 57P01–57P05 (admin/crash shutdown, cannot connect now, idle
 *   session timeout), 53300 (too many connections), 40001 (serialization failure), 40P01 (deadlock);
 * - socket errors of the pool (ECONNRESET, ECONNREFUSED, EPIPE, ETIMEDOUT);
 * - node-postgres' own messages when a connection ends without a code.
 *
 * Drivers and drizzle wrap errors, so the whole `cause` chain is looked at.
 */
export function isTransientDatabaseError(error: unknown): boolean {
  let current = error;
  for (let depth = 0; depth < 6 && current != null; depth++) {
    if (typeof current !== 'object') return false;
    const { code, message, cause } = current as { code?: unknown; message?: unknown; cause?: unknown };
    if (typeof code === 'string' && TRANSIENT_CODE.test(code)) return true;
    if (typeof message === 'string' && TRANSIENT_MESSAGE.test(message)) return true;
    current = cause;
  }
  return false;
}

const TRANSIENT_CODE = /^(08[0-9A-Z]{3}|57P0[1-5]|53300|40001|40P01|ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT)$/;

const TRANSIENT_MESSAGE =
  /^(Connection terminated( unexpectedly| due to connection timeout)?|Client has encountered a connection error and is not queryable|timeout exceeded when trying to connect|terminating connection due to administrator command)$/;
