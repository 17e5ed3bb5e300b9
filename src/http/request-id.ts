import { randomUUID } from 'node:crypto';

/** Short and printable ASCII: a caller's id may be logged and echoed, never a way to forge log lines. */
const ACCEPTED = /^[\x21-\x7e]{1,128}$/;

/** The caller's `x-request-id` when it is acceptable, else a new one. */
export function requestIdOf(request: Request): string {
  const given = request.headers.get('x-request-id');
  return given && ACCEPTED.test(given) ? given : randomUUID();
}
