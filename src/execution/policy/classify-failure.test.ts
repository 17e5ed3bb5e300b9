import { describe, expect, it } from 'vitest';
import { classifyFailure, DEFAULT_MAX_RETRY_AFTER_MS, parseRetryAfterMs, type ConnectorCallOutcome } from './classify-failure';

const now = new Date('2025-01-01T12:00:00.000Z');

describe('classifyFailure', () => {
  it.each([408, 425, 429, 500, 502, 503, 504])('treats HTTP %i as transient', (status) => {
    const result = classifyFailure({ kind: 'response', status }, { now });
    expect(result.transient).toBe(true);
    expect(result.reason).toContain(`HTTP ${status}`);
    expect(result.retryAfterMs).toBeUndefined();
  });

  it.each([400, 401, 403, 404, 405, 409, 410, 413, 422, 451, 501, 505])('treats HTTP %i as permanent', (status) => {
    const result = classifyFailure({ kind: 'response', status }, { now });
    expect(result.transient).toBe(false);
    expect(result.reason).toContain(`HTTP ${status}`);
  });

  it('names the status in a sentence', () => {
    expect(classifyFailure({ kind: 'response', status: 404 }, { now }).reason).toBe(
      'The service answered HTTP 404 Not Found; repeating the same request will not help.',
    );
    expect(classifyFailure({ kind: 'response', status: 503 }, { now }).reason).toBe(
      'The service answered HTTP 503 Service Unavailable; the request may succeed later.',
    );
  });

  it('treats network errors as transient and names the code when known', () => {
    expect(classifyFailure({ kind: 'network', code: 'ECONNRESET' }, { now })).toEqual({
      transient: true,
      reason: 'The connection to the service failed (ECONNRESET).',
    });
    expect(classifyFailure({ kind: 'network' }, { now })).toEqual({
      transient: true,
      reason: 'The connection to the service failed.',
    });
  });

  it('treats timeouts as transient', () => {
    expect(classifyFailure({ kind: 'timeout' }, { now })).toEqual({
      transient: true,
      reason: 'The service did not answer in time.',
    });
  });

  it('takes Retry-After in seconds', () => {
    const outcome: ConnectorCallOutcome = { kind: 'response', status: 429, retryAfterHeader: '7' };
    expect(classifyFailure(outcome, { now }).retryAfterMs).toBe(7000);
  });

  it('takes Retry-After as an HTTP date relative to now', () => {
    const outcome: ConnectorCallOutcome = {
      kind: 'response',
      status: 503,
      retryAfterHeader: 'Wed, 01 Jan 2025 12:00:30 GMT',
    };
    expect(classifyFailure(outcome, { now }).retryAfterMs).toBe(30_000);
  });

  it('caps Retry-After at the default and at a given maximum', () => {
    const outcome: ConnectorCallOutcome = { kind: 'response', status: 429, retryAfterHeader: '86400' };
    expect(classifyFailure(outcome, { now }).retryAfterMs).toBe(DEFAULT_MAX_RETRY_AFTER_MS);
    expect(classifyFailure(outcome, { now, maxRetryAfterMs: 5000 }).retryAfterMs).toBe(5000);
  });

  it('ignores Retry-After on permanent failures', () => {
    const outcome: ConnectorCallOutcome = { kind: 'response', status: 400, retryAfterHeader: '5' };
    expect(classifyFailure(outcome, { now })).not.toHaveProperty('retryAfterMs');
  });

  it('ignores an unparseable Retry-After', () => {
    const outcome: ConnectorCallOutcome = { kind: 'response', status: 429, retryAfterHeader: 'soon' };
    expect(classifyFailure(outcome, { now })).not.toHaveProperty('retryAfterMs');
  });
});

describe('parseRetryAfterMs', () => {
  it.each<[string | null | undefined, number | undefined]>([
    ['0', 0],
    ['120', 120_000],
    [' 3 ', 3000],
    ['1.5', 1500],
    ['Wed, 01 Jan 2025 12:01:00 GMT', 60_000],
    ['Wednesday, 01-Jan-25 12:01:00 GMT', 60_000],
    ['Wed, 01 Jan 2025 11:00:00 GMT', 0],
    ['-5', undefined],
    ['12abc', undefined],
    ['Not a date at all', undefined],
    ['', undefined],
    ['   ', undefined],
    [null, undefined],
    [undefined, undefined],
  ])('parses %j as %j ms', (header, expected) => {
    expect(parseRetryAfterMs(header, now)).toBe(expected);
  });
});
