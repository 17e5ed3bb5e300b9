import { randomUUID } from 'node:crypto';

/** Short and printable ASCII: a caller's id may be logged and echoed, never a way to forge log lines. */
const ACCEPTED = /^[\x21-\x7e]{1,128}$/;

/** The caller's `x-request-id` header when it is acceptable, else a new one. */
export function requestIdOf(given: string | string[] | null | undefined): string {
  return typeof given === 'string' && ACCEPTED.test(given) ? given : randomUUID();
}
