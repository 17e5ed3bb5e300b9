import { describe, expect, it } from 'vitest';
import { isValidTimeZone, nextCronTick, parseCron } from './cron';

function tick(expr: string, after: string, timeZone: string): string {
  return nextCronTick(expr, new Date(after), timeZone).toISOString();
}

function ticks(expr: string, after: string, timeZone: string, count: number): string[] {
  const out: string[] = [];
  let current = new Date(after);
  for (let i = 0; i < count; i++) {
    current = nextCronTick(expr, current, timeZone);
    out.push(current.toISOString());
  }
  return out;
}

describe('parseCron', () => {
  it('parses wildcards, numbers, ranges, lists, steps and names', () => {
    const result = parseCron('*/20 8-10,17 1,15 jan-mar/2 MON-fri');
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect([...result.value.minutes]).toEqual([0, 20, 40]);
    expect([...result.value.hours]).toEqual([8, 9, 10, 17]);
    expect([...result.value.daysOfMonth]).toEqual([1, 15]);
    expect([...result.value.months]).toEqual([1, 3]);
    expect([...result.value.daysOfWeek]).toEqual([1, 2, 3, 4, 5]);
    expect(result.value.daysOfMonthRestricted).toBe(true);
    expect(result.value.hourIsWildcard).toBe(false);
  });

  it('reads 7 as Sunday and a/n as a to the maximum', () => {
    const result = parseCron('5/20 * * * 7');
    expect(result.ok && [...result.value.minutes]).toEqual([5, 25, 45]);
    expect(result.ok && [...result.value.daysOfWeek]).toEqual([0]);
  });

  it('rejects malformed expressions with the field named', () => {
    const message = (expr: string) => {
      const result = parseCron(expr);
      return result.ok ? 'ok' : result.message;
    };
    expect(message('* * * *')).toBe('must have 5 fields (minute hour day-of-month month day-of-week), got 4');
    expect(message('')).toBe('must have 5 fields (minute hour day-of-month month day-of-week), got 0');
    expect(message('60 * * * *')).toBe('minute field: 60 is out of range 0-59');
    expect(message('* 24 * * *')).toBe('hour field: 24 is out of range 0-23');
    expect(message('* * 0 * *')).toBe('day-of-month field: 0 is out of range 1-31');
    expect(message('* * * 13 *')).toBe('month field: 13 is out of range 1-12');
    expect(message('* * * * 8')).toBe('day-of-week field: 8 is out of range 0-7');
    expect(message('*/0 * * * *')).toBe('minute field: step "0" must be a positive number');
    expect(message('5-1 * * * *')).toBe('minute field: range 5-1 runs backwards');
    expect(message('a * * * *')).toBe('minute field: "a" is not a number');
    expect(message('1,,2 * * * *')).toBe('minute field: "" is malformed');
    expect(message('0 0 30 2 *')).toBe('never runs: no month has that day of the month');
    expect(message('0 0 29 2 *')).toBe('ok');
  });
});

describe('nextCronTick in UTC (no daylight saving)', () => {
  it('returns the next matching minute strictly after the given time', () => {
    expect(tick('*/15 * * * *', '2025-01-01T00:07:30Z', 'UTC')).toBe('2025-01-01T00:15:00.000Z');
    expect(tick('*/15 * * * *', '2025-01-01T00:15:00Z', 'UTC')).toBe('2025-01-01T00:30:00.000Z');
    expect(tick('0 9 * * 1-5', '2025-01-03T09:00:00Z', 'UTC')).toBe('2025-01-06T09:00:00.000Z');
    expect(tick('59 23 31 12 *', '2025-01-01T00:00:00Z', 'UTC')).toBe('2025-12-31T23:59:00.000Z');
  });

  it('runs on either day when both day fields are restricted', () => {
    // 13th of the month or a Friday: Friday 6 June 2025 comes first.
    expect(tick('0 0 13 * 5', '2025-06-01T00:00:00Z', 'UTC')).toBe('2025-06-06T00:00:00.000Z');
    expect(tick('0 0 13 * *', '2025-06-01T00:00:00Z', 'UTC')).toBe('2025-06-13T00:00:00.000Z');
  });

  it('finds a leap day years ahead', () => {
    expect(tick('0 0 29 2 *', '2025-01-01T00:00:00Z', 'UTC')).toBe('2028-02-29T00:00:00.000Z');
  });

  it('handles zones with half-hour offsets', () => {
    expect(tick('0 9 * * *', '2025-07-01T00:00:00Z', 'Asia/Kolkata')).toBe('2025-07-01T03:30:00.000Z');
  });
});

describe('nextCronTick in Europe/Berlin', () => {
  const berlin = 'Europe/Berlin';

  it('follows the offset of the season', () => {
    expect(tick('0 9 * * *', '2025-01-10T12:00:00Z', berlin)).toBe('2025-01-11T08:00:00.000Z');
    expect(tick('0 9 * * *', '2025-07-10T12:00:00Z', berlin)).toBe('2025-07-11T07:00:00.000Z');
  });

  it('shifts a fixed time inside the skipped hour (30 March 2025) by the gap', () => {
    expect(ticks('30 2 * * *', '2025-03-29T12:00:00Z', berlin, 2)).toEqual([
      '2025-03-30T01:30:00.000Z', // 03:30 CEST, 02:30 does not exist
      '2025-03-31T00:30:00.000Z', // 02:30 CEST
    ]);
  });

  it('runs a fixed time in the repeated hour (26 October 2025) once', () => {
    expect(ticks('30 2 * * *', '2025-10-25T12:00:00Z', berlin, 2)).toEqual([
      '2025-10-26T00:30:00.000Z', // 02:30 CEST, first pass
      '2025-10-27T01:30:00.000Z', // 02:30 CET next day; the second pass is skipped
    ]);
  });

  it('keeps interval jobs on real time through the repeated hour', () => {
    expect(ticks('*/30 * * * *', '2025-10-26T00:10:00Z', berlin, 5)).toEqual([
      '2025-10-26T00:30:00.000Z', // 02:30 CEST
      '2025-10-26T01:00:00.000Z', // 02:00 CET, second pass
      '2025-10-26T01:30:00.000Z', // 02:30 CET
      '2025-10-26T02:00:00.000Z', // 03:00 CET
      '2025-10-26T02:30:00.000Z',
    ]);
  });

  it('keeps interval jobs on real time through the skipped hour', () => {
    expect(ticks('0 * * * *', '2025-03-30T00:30:00Z', berlin, 2)).toEqual([
      '2025-03-30T01:00:00.000Z', // 03:00 CEST right after 01:59 CET
      '2025-03-30T02:00:00.000Z',
    ]);
  });
});

describe('errors', () => {
  it('throws on an invalid expression or time zone', () => {
    expect(() => nextCronTick('* * *', new Date(0), 'UTC')).toThrow(
      'invalid cron "* * *": must have 5 fields (minute hour day-of-month month day-of-week), got 3',
    );
    expect(() => nextCronTick('* * * * *', new Date(0), 'Mars/Olympus')).toThrow(RangeError);
  });

  it('tells valid time zones apart', () => {
    expect(['UTC', 'Europe/Berlin', 'America/New_York'].map(isValidTimeZone)).toEqual([true, true, true]);
    expect(['', 'Mars/Olympus', 'Berlin'].map(isValidTimeZone)).toEqual([false, false, false]);
  });
});
