import { describe, expect, it } from 'vitest';
import { latestCronTick, nextCronTick } from './cron';

const latest = (expr: string, firstDue: string, now: string, timeZone = 'UTC') =>
  latestCronTick(expr, new Date(firstDue), new Date(now), timeZone).toISOString();

describe('latestCronTick (the one catch-up run after a downtime)', () => {
  it('is the last tick at or before now, however many were missed', () => {
    expect(latest('* * * * *', '2025-01-01T00:00:00Z', '2025-01-08T13:37:42Z')).toBe('2025-01-08T13:37:00.000Z');
    expect(latest('0 * * * *', '2025-01-01T03:00:00Z', '2025-01-01T08:59:59Z')).toBe('2025-01-01T08:00:00.000Z');
    expect(latest('*/5 9-17 * * 1-5', '2025-01-03T09:00:00Z', '2025-01-06T08:00:00Z')).toBe('2025-01-03T17:55:00.000Z');
  });

  it('is now itself when now is a tick, and the first due tick when it is the only one', () => {
    expect(latest('30 2 * * *', '2025-01-01T02:30:00Z', '2025-01-01T02:30:00Z')).toBe('2025-01-01T02:30:00.000Z');
    expect(latest('0 0 1 1 *', '2025-01-01T00:00:00Z', '2025-12-31T23:59:00Z')).toBe('2025-01-01T00:00:00.000Z');
  });

  it('follows the zone: a fixed time in the repeated hour counts once', () => {
    // 02:30 Europe/Berlin on 26 October 2025 is 00:30Z (first pass); the second pass (01:30Z) is no tick.
    expect(latest('30 2 * * *', '2025-10-25T00:30:00Z', '2025-10-26T01:45:00Z', 'Europe/Berlin')).toBe('2025-10-26T00:30:00.000Z');
  });

  it('agrees with stepping nextCronTick tick by tick', () => {
    const expr = '7,37 */3 * * *';
    const firstDue = nextCronTick(expr, new Date('2025-03-28T00:00:00Z'), 'Europe/Berlin');
    const now = new Date('2025-04-02T05:00:00Z');
    let stepped = firstDue;
    for (let next = nextCronTick(expr, stepped, 'Europe/Berlin'); next <= now; next = nextCronTick(expr, next, 'Europe/Berlin')) stepped = next;
    expect(latestCronTick(expr, firstDue, now, 'Europe/Berlin').toISOString()).toBe(stepped.toISOString());
  });
});
