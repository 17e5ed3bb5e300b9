import { describe, expect, it } from 'vitest';
import { isTransientDatabaseError } from './transient-database-error';

const pgError = (code: string, message = 'x') => Object.assign(new Error(message), { code });
// drizzle wraps the driver's error: "Failed query: <sql>" with the pg error as its cause.
const wrapped = (cause: unknown) => new Error('Failed query: select 1\nparams: ', { cause });

describe('isTransientDatabaseError', () => {
  it.each(['08000', '08003', '08006', '08P01', '57P01', '57P02', '57P03', '53300', '40001', '40P01'])('treats SQLSTATE %s as transient', (code) => {
    expect(isTransientDatabaseError(pgError(code))).toBe(true);
    expect(isTransientDatabaseError(wrapped(pgError(code)))).toBe(true);
  });

  it.each(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT'])('treats the socket error %s as transient', (code) => {
    expect(isTransientDatabaseError(wrapped(pgError(code)))).toBe(true);
  });

  it.each(['Connection terminated unexpectedly', 'Connection terminated', 'timeout exceeded when trying to connect'])('treats "%s" as transient', (message) => {
    expect(isTransientDatabaseError(wrapped(new Error(message)))).toBe(true);
  });

  it.each(['23505', '23503', '42P01', '42703', '22P02', '57014', '0A000'])('treats SQLSTATE %s (a bug or bad data) as permanent', (code) => {
    expect(isTransientDatabaseError(wrapped(pgError(code)))).toBe(false);
  });

  it('treats flow failures, plain values and empty causes as permanent', () => {
    expect(isTransientDatabaseError(new Error('Step "a" failed: HTTP 500'))).toBe(false);
    expect(isTransientDatabaseError(new Error('Connection terminated unexpectedly by the vendor API'))).toBe(false);
    expect(isTransientDatabaseError('ECONNRESET')).toBe(false);
    expect(isTransientDatabaseError(null)).toBe(false);
    expect(isTransientDatabaseError(undefined)).toBe(false);
  });
});
