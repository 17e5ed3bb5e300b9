import { createHash } from 'node:crypto';

/**
 * The key sent as `Idempotency-Key` when a step calls a connector. It depends only on which execution,
 * which step and which loop iteration is running — never on the attempt — so a retry after a crash
 * re-sends the same key and the provider applies the effect once.
 */
export function idempotencyKey(executionId: string, stepPath: string, iteration: readonly (number | string)[]): string {
  // JSON keeps the parts unambiguous: ("a:b","c") ≠ ("a","b:c") and iteration 1 ≠ "1".
  // The version tag makes any future change of scheme a deliberate one.
  const material = JSON.stringify(['tf-idem-v1', executionId, stepPath, iteration]);
  return `tf-${createHash('sha256').update(material).digest('base64url')}`;
}
