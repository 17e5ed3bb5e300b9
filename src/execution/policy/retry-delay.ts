import type { FailureClassification } from './classify-failure';

export interface RetryDelayOptions {
  baseMs: number;
  maxMs: number;
  /** Injected so tests are deterministic; returns a number in [0, 1). */
  random?: () => number;
  /** The server's own wish (Retry-After); waiting less would just earn another 429/503. */
  retryAfterMs?: number;
}

/**
 * Delay before the next attempt, after `attempt` attempts (1-based) have failed.
 * Full jitter (AWS Architecture Blog, "Exponential Backoff and Jitter"): uniform in [0, base·2^(attempt-1)],
 * so many executions failing together do not retry together.
 */
export function retryDelayMs(attempt: number, options: RetryDelayOptions): number {
  const { baseMs, maxMs, random = Math.random, retryAfterMs } = options;
  const exponent = Math.max(0, Math.floor(attempt) - 1);
  // 2 ** exponent overflows to Infinity for huge attempts; Math.min keeps that harmless.
  const ceiling = Math.min(maxMs, baseMs * 2 ** exponent);
  const jittered = Math.floor(clampUnit(random()) * ceiling);
  const honoured = retryAfterMs !== undefined && retryAfterMs > jittered ? retryAfterMs : jittered;
  return Math.max(0, Math.min(maxMs, honoured));
}

/** `attempt` attempts have been made (1 after the first failure); `maxAttempts` counts the first try. */
export function shouldRetry(attempt: number, maxAttempts: number, failure: Pick<FailureClassification, 'transient'>): boolean {
  return failure.transient && attempt < maxAttempts;
}

// A misbehaving random source must not produce negative or oversized delays.
function clampUnit(value: number): number {
  if (!Number.isFinite(value) || value < 0) return 0;
  return Math.min(value, 1);
}
