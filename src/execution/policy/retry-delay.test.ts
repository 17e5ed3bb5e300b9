import { describe, expect, it } from 'vitest';
import { retryDelayMs, shouldRetry } from './retry-delay';

const fixed = (value: number) => () => value;

describe('retryDelayMs', () => {
  it('doubles the ceiling with each attempt (random at its top)', () => {
    const delays = [1, 2, 3, 4, 5].map((attempt) => retryDelayMs(attempt, { baseMs: 100, maxMs: 60_000, random: fixed(0.999999) }));
    expect(delays).toEqual([99, 199, 399, 799, 1599]);
  });

  it('applies full jitter: anywhere from 0 to the ceiling', () => {
    expect(retryDelayMs(3, { baseMs: 100, maxMs: 60_000, random: fixed(0) })).toBe(0);
    expect(retryDelayMs(3, { baseMs: 100, maxMs: 60_000, random: fixed(0.5) })).toBe(200);
  });

  it('never exceeds maxMs, even for huge attempt numbers', () => {
    expect(retryDelayMs(10, { baseMs: 1000, maxMs: 30_000, random: fixed(0.999) })).toBe(29_970);
    expect(retryDelayMs(5000, { baseMs: 1000, maxMs: 30_000, random: fixed(0.999) })).toBe(29_970);
  });

  it('honours Retry-After when it is longer than the backoff', () => {
    expect(retryDelayMs(1, { baseMs: 100, maxMs: 60_000, random: fixed(0.5), retryAfterMs: 5000 })).toBe(5000);
  });

  it('keeps the backoff when Retry-After is shorter', () => {
    expect(retryDelayMs(6, { baseMs: 100, maxMs: 60_000, random: fixed(0.5), retryAfterMs: 10 })).toBe(1600);
  });

  it('caps Retry-After at maxMs', () => {
    expect(retryDelayMs(1, { baseMs: 100, maxMs: 2000, random: fixed(0.5), retryAfterMs: 90_000 })).toBe(2000);
  });

  it('treats attempt 0 or below like the first attempt', () => {
    expect(retryDelayMs(0, { baseMs: 100, maxMs: 60_000, random: fixed(0.5) })).toBe(50);
    expect(retryDelayMs(-3, { baseMs: 100, maxMs: 60_000, random: fixed(0.5) })).toBe(50);
  });

  it('survives a broken random source', () => {
    expect(retryDelayMs(2, { baseMs: 100, maxMs: 1000, random: fixed(Number.NaN) })).toBe(0);
    expect(retryDelayMs(2, { baseMs: 100, maxMs: 1000, random: fixed(-1) })).toBe(0);
    expect(retryDelayMs(2, { baseMs: 100, maxMs: 1000, random: fixed(7) })).toBe(200);
  });

  it('uses Math.random by default and stays within bounds', () => {
    for (let attempt = 1; attempt <= 20; attempt += 1) {
      const delay = retryDelayMs(attempt, { baseMs: 50, maxMs: 5000 });
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThanOrEqual(Math.min(5000, 50 * 2 ** (attempt - 1)));
    }
  });
});

describe('shouldRetry', () => {
  it.each([
    { attempt: 1, maxAttempts: 3, transient: true, expected: true },
    { attempt: 2, maxAttempts: 3, transient: true, expected: true },
    { attempt: 3, maxAttempts: 3, transient: true, expected: false },
    { attempt: 4, maxAttempts: 3, transient: true, expected: false },
    { attempt: 1, maxAttempts: 3, transient: false, expected: false },
    { attempt: 1, maxAttempts: 1, transient: true, expected: false },
  ])('attempt $attempt of $maxAttempts, transient=$transient → $expected', (row) => {
    expect(shouldRetry(row.attempt, row.maxAttempts, { transient: row.transient })).toBe(row.expected);
  });
});
