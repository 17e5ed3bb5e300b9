import { describe, expect, it } from 'vitest';
import { idempotencyKey } from './idempotency-key';

describe('idempotencyKey', () => {
  it('is a URL-safe tf- prefixed sha256 in base64url', () => {
    const key = idempotencyKey('exec-1', 'flow.steps.createTicket', [0]);
    expect(key).toMatch(/^tf-[A-Za-z0-9_-]{43}$/);
    expect(encodeURIComponent(key)).toBe(key);
  });

  it('is identical for every retry of the same step iteration', () => {
    const first = idempotencyKey('exec-1', 'loop/createTicket', [2, 'acme']);
    const retry = idempotencyKey('exec-1', 'loop/createTicket', [2, 'acme']);
    expect(retry).toBe(first);
  });

  it('pins the scheme, so a change to it is deliberate', () => {
    // sha256('["tf-idem-v1","e","s",[1]]') in base64url, computed independently with openssl.
    expect(idempotencyKey('e', 's', [1])).toBe('tf-bYp-N5KvLTo75ra7ygqf_m1qTtGmgKIuK--uLA4yg9A');
  });

  it('differs across executions, steps and iterations', () => {
    const keys = [
      idempotencyKey('exec-1', 'step-a', [0]),
      idempotencyKey('exec-2', 'step-a', [0]),
      idempotencyKey('exec-1', 'step-b', [0]),
      idempotencyKey('exec-1', 'step-a', [1]),
      idempotencyKey('exec-1', 'step-a', []),
      idempotencyKey('exec-1', 'step-a', [0, 0]),
      idempotencyKey('exec-1', 'step-a', ['0']),
    ];
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('cannot be confused by separators inside the parts', () => {
    expect(idempotencyKey('a:b', 'c', [])).not.toBe(idempotencyKey('a', 'b:c', []));
    expect(idempotencyKey('a', 'b', ['c,d'])).not.toBe(idempotencyKey('a', 'b', ['c', 'd']));
  });
});
