/**
 * 5-field cron (minute hour day-of-month month day-of-week) read in an IANA time zone.
 * Pure: Intl supplies the zone rules, nothing else is read.
 *
 * Daylight saving follows Vixie cron, so schedules behave as people expect:
 * - hour field `*` or `*\/n` (interval jobs) run on real time: in a repeated hour they run in
 *   both passes, and nothing runs in a skipped hour;
 * - other jobs (fixed time) run once per matching wall-clock time: in a repeated hour on the
 *   first pass only, and a time inside a skipped hour runs shifted by the gap (02:30 → 03:30).
 */

export interface CronSchedule {
  minutes: ReadonlySet<number>;
  hours: ReadonlySet<number>;
  daysOfMonth: ReadonlySet<number>;
  months: ReadonlySet<number>;
  /** 0 = Sunday; 7 is folded into 0. */
  daysOfWeek: ReadonlySet<number>;
  /** When both day fields are restricted (not starting with `*`), a day matching either runs. */
  daysOfMonthRestricted: boolean;
  daysOfWeekRestricted: boolean;
  /** Hour field starts with `*`: interval semantics across DST changes. */
  hourIsWildcard: boolean;
}

export type CronParseResult = { ok: true; value: CronSchedule } | { ok: false; message: string };

interface FieldSpec {
  label: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const MONTH_NAMES = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const FIELDS: readonly FieldSpec[] = [
  { label: 'minute', min: 0, max: 59 },
  { label: 'hour', min: 0, max: 23 },
  { label: 'day-of-month', min: 1, max: 31 },
  { label: 'month', min: 1, max: 12, names: MONTH_NAMES },
  { label: 'day-of-week', min: 0, max: 7, names: DAY_NAMES },
];
/** Longest day-of-month per month (February counts its leap day). */
const MONTH_MAX_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

class CronSyntaxError extends Error {}

function parseNumber(text: string, spec: FieldSpec): number {
  const nameIndex = spec.names?.indexOf(text.toLowerCase()) ?? -1;
  const value = nameIndex >= 0 ? nameIndex + spec.min : /^\d+$/.test(text) ? Number(text) : NaN;
  if (Number.isNaN(value)) throw new CronSyntaxError(`${spec.label} field: "${text}" is not a number`);
  if (value < spec.min || value > spec.max) {
    throw new CronSyntaxError(`${spec.label} field: ${value} is out of range ${spec.min}-${spec.max}`);
  }
  return value;
}

/** One field: `*`, `n`, `a-b`, each optionally `/step` (`a/step` means a to the maximum), comma lists. */
function parseField(text: string, spec: FieldSpec): Set<number> {
  const values = new Set<number>();
  for (const item of text.split(',')) {
    const [base = '', stepText, extra] = item.split('/');
    if (extra !== undefined || base === '') throw new CronSyntaxError(`${spec.label} field: "${item}" is malformed`);
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!/^\d+$/.test(stepText ?? '1') || step < 1) {
      throw new CronSyntaxError(`${spec.label} field: step "${stepText}" must be a positive number`);
    }
    let low: number;
    let high: number;
    if (base === '*') [low, high] = [spec.min, spec.max];
    else if (base.includes('-')) {
      const [from = '', to = '', more] = base.split('-');
      if (more !== undefined) throw new CronSyntaxError(`${spec.label} field: "${base}" is malformed`);
      [low, high] = [parseNumber(from, spec), parseNumber(to, spec)];
      if (low > high) throw new CronSyntaxError(`${spec.label} field: range ${base} runs backwards`);
    } else {
      low = parseNumber(base, spec);
      high = stepText === undefined ? low : spec.max;
    }
    for (let value = low; value <= high; value += step) values.add(value);
  }
  return values;
}

/** Rejects day-of-month/month combinations that never occur (`0 0 30 2 *`), which would never run. */
function impossibleDate(schedule: CronSchedule): boolean {
  if (!schedule.daysOfMonthRestricted || schedule.daysOfWeekRestricted) return false;
  for (const month of schedule.months) {
    for (const day of schedule.daysOfMonth) if (day <= (MONTH_MAX_DAYS[month - 1] ?? 0)) return false;
  }
  return true;
}

export function parseCron(expr: string): CronParseResult {
  const parts = expr.trim().split(/\s+/);
  if (parts.length !== 5 || parts[0] === '') {
    return {
      ok: false,
      message: `must have 5 fields (minute hour day-of-month month day-of-week), got ${parts[0] === '' ? 0 : parts.length}`,
    };
  }
  try {
    const [minute, hour, dayOfMonth, month, dayOfWeek] = parts.map((text, index) => parseField(text, FIELDS[index]!));
    const daysOfWeek = new Set([...dayOfWeek!].map((day) => day % 7));
    const schedule: CronSchedule = {
      minutes: minute!,
      hours: hour!,
      daysOfMonth: dayOfMonth!,
      months: month!,
      daysOfWeek,
      daysOfMonthRestricted: !parts[2]!.startsWith('*'),
      daysOfWeekRestricted: !parts[4]!.startsWith('*'),
      hourIsWildcard: parts[1]!.startsWith('*'),
    };
    if (impossibleDate(schedule)) return { ok: false, message: 'never runs: no month has that day of the month' };
    return { ok: true, value: schedule };
  } catch (error) {
    if (error instanceof CronSyntaxError) return { ok: false, message: error.message };
    throw error;
  }
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Largest DST shift to look around (real zones shift by at most 2 h). */
const MAX_SHIFT = 3 * HOUR;
/** Every valid schedule runs within 8 years (29 February); beyond that something is wrong. */
const SEARCH_SPAN = 10 * 366 * DAY;

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Throws RangeError for an unknown time zone, as Intl does. */
function zoneFormatter(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

export function isValidTimeZone(timeZone: string): boolean {
  if (timeZone.trim() === '') return false;
  try {
    zoneFormatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/**
 * "Wall" times are local calendar times encoded as if they were UTC epoch milliseconds, so
 * calendar arithmetic can use Date.UTC while instants stay real epoch milliseconds.
 */
function wallAt(instant: number, formatter: Intl.DateTimeFormat): number {
  const part: Record<string, number> = {};
  for (const { type, value } of formatter.formatToParts(instant)) part[type] = Number(value);
  return Date.UTC(part.year!, part.month! - 1, part.day!, part.hour!, part.minute!, part.second!);
}

function offsetAt(instant: number, formatter: Intl.DateTimeFormat): number {
  const second = Math.floor(instant / 1000) * 1000;
  return wallAt(second, formatter) - second;
}

function dayMatches(schedule: CronSchedule, date: Date): boolean {
  const byMonthDay = schedule.daysOfMonth.has(date.getUTCDate());
  const byWeekDay = schedule.daysOfWeek.has(date.getUTCDay());
  if (schedule.daysOfMonthRestricted && schedule.daysOfWeekRestricted) return byMonthDay || byWeekDay;
  return byMonthDay && byWeekDay;
}

/** First wall time ≥ `from` (minute-aligned) that the schedule matches, or null past `limit`. */
function nextMatchingWall(schedule: CronSchedule, from: number, limit: number): number | null {
  let wall = from;
  while (wall <= limit) {
    const date = new Date(wall);
    const [year, month, day, hour] = [date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate(), date.getUTCHours()];
    if (!schedule.months.has(month + 1)) wall = Date.UTC(year, month + 1, 1);
    else if (!dayMatches(schedule, date)) wall = Date.UTC(year, month, day + 1);
    else if (!schedule.hours.has(hour)) wall = Date.UTC(year, month, day, hour + 1);
    else if (!schedule.minutes.has(date.getUTCMinutes())) wall += MINUTE;
    else return wall;
  }
  return null;
}

/** Instants showing `wall` (none in a skipped hour, two in a repeated one), ascending. */
function instantsFor(wall: number, formatter: Intl.DateTimeFormat) {
  const offsetBefore = offsetAt(wall - DAY, formatter);
  const offsetAfter = offsetAt(wall + DAY, formatter);
  const candidates = [...new Set([wall - offsetBefore, wall - offsetAfter])].sort((a, b) => a - b);
  const instants = candidates.filter((instant) => Math.floor(wallAt(instant, formatter) / MINUTE) * MINUTE === wall);
  return { instants, gapShifted: wall - offsetBefore, nearOffsetChange: offsetBefore !== offsetAfter };
}

/**
 * The first tick strictly after `after`, at minute resolution. Throws on an invalid expression
 * or time zone; callers validate both first (parseCron, isValidTimeZone).
 */
export function nextCronTick(expr: string, after: Date, timeZone: string): Date {
  const parsed = parseCron(expr);
  if (!parsed.ok) throw new Error(`invalid cron "${expr}": ${parsed.message}`);
  const schedule = parsed.value;
  const formatter = zoneFormatter(timeZone);
  const afterMs = after.getTime();
  if (Number.isNaN(afterMs)) throw new RangeError('after is an invalid Date');

  const afterMinute = Math.floor(afterMs / MINUTE) * MINUTE;
  // If the clock goes back within the next hours, real minutes after `after` show earlier wall
  // times than `after` does, so the scan starts that much earlier.
  const fallBack = Math.max(0, offsetAt(afterMinute, formatter) - offsetAt(afterMinute + MAX_SHIFT, formatter));
  const startWall = Math.floor(wallAt(afterMinute, formatter) / MINUTE) * MINUTE + MINUTE - fallBack;
  const limit = startWall + SEARCH_SPAN;

  let best: number | null = null;
  let stopWall = limit;
  for (let wall = nextMatchingWall(schedule, startWall, limit); wall !== null && wall <= stopWall;) {
    const { instants, gapShifted, nearOffsetChange } = instantsFor(wall, formatter);
    const candidate = schedule.hourIsWildcard ? instants.find((instant) => instant > afterMs) : (instants[0] ?? gapShifted);
    if (candidate !== undefined && candidate > afterMs && (best === null || candidate < best)) {
      best = candidate;
      // Away from offset changes, instants grow with wall times: the first hit is the answer.
      // Near one, a later wall time can map to an earlier instant (gap shifts), so look on.
      stopWall = nearOffsetChange ? Math.min(limit, wall + MAX_SHIFT) : wall;
    }
    wall = nextMatchingWall(schedule, wall + MINUTE, stopWall);
  }
  if (best === null) throw new Error(`cron "${expr}" has no tick within 10 years after ${after.toISOString()}`);
  return new Date(best);
}

/**
 * The last tick at or before `now`, given `firstDue` (a tick at or before `now`): what one catch-up run after
 * a downtime fires. Looks back from `now` in growing windows, so a long downtime costs a few evaluations,
 * not one per missed tick.
 */
export function latestCronTick(expr: string, firstDue: Date, now: Date, timeZone: string): Date {
  const nowMs = now.getTime();
  for (let window = MINUTE; ; window *= 4) {
    const from = Math.max(nowMs - window, firstDue.getTime() - 1);
    let latest = nextCronTick(expr, new Date(from), timeZone);
    if (latest.getTime() <= nowMs) {
      for (let next = nextCronTick(expr, latest, timeZone); next.getTime() <= nowMs; next = nextCronTick(expr, next, timeZone)) latest = next;
      return latest;
    }
    if (from < firstDue.getTime()) return firstDue;
  }
}
