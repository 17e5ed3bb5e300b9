import { describe, expect, it } from 'vitest';
import { leaseExpired, nextLeaseUntil } from './lease';

const now = new Date('2025-01-01T12:00:00.000Z');
const at = (offsetMs: number) => new Date(now.getTime() + offsetMs);

describe('leaseExpired', () => {
  it.each<[string, Date | null, boolean]>([
    ['no lease at all', null, true],
    ['a lease that ended long ago', at(-4 * 3600_000), true],
    ['a lease ending exactly now', at(0), true],
    ['a lease ending in 1 ms', at(1), false],
    ['a lease ending in a minute', at(60_000), false],
  ])('%s → %s', (_label, lockedUntil, expected) => {
    expect(leaseExpired(lockedUntil, now)).toBe(expected);
  });
});

describe('nextLeaseUntil', () => {
  it('adds the lease duration to now', () => {
    expect(nextLeaseUntil(now, 30_000)).toEqual(at(30_000));
  });

  it('is not expired right after it is taken, and is expired once it has passed', () => {
    const until = nextLeaseUntil(now, 30_000);
    expect(leaseExpired(until, now)).toBe(false);
    expect(leaseExpired(until, at(30_000))).toBe(true);
  });

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])('rejects a lease of %s ms', (leaseMs) => {
    expect(() => nextLeaseUntil(now, leaseMs)).toThrow(RangeError);
  });
});
