import type { ConfigVariableValue } from '../../db/tables';
import type { FieldErrors } from '../errors';
import { isValidTimeZone, type ConfigVar, type ScheduleConfigVar } from '../integrations/definition';

/**
 * Prismatic's RequiredConfigVariableScheduleType: how a UI offers a schedule (every minute, hour, day …).
 * Only a hint for that UI: the cron value is what runs.
 */
export const SCHEDULE_TYPES = ['NONE', 'MINUTE', 'HOUR', 'DAY', 'WEEK', 'CUSTOM'] as const;
export type ScheduleType = (typeof SCHEDULE_TYPES)[number];

/** What an instance gave for a schedule config variable besides its cron value; a missing one is not given. */
export type ScheduleSettings = { scheduleType?: ScheduleType; timeZone?: string };

/** How a schedule config variable of one instance runs and reads back: its own settings, else the definition's. */
export function scheduleOf(configVar: ScheduleConfigVar, stored: ConfigVariableValue | null | undefined): Required<ScheduleSettings> {
  const own = stored?.kind === 'value' ? stored : null;
  return { scheduleType: own?.scheduleType ?? 'CUSTOM', timeZone: own?.timeZone ?? configVar.timeZone ?? 'UTC' };
}

/**
 * Checks `scheduleType` and `timeZone` of one InputInstanceConfigVariable (`field` is its path, like
 * `configVariables[2]`). Prismatic clients send `""` for a field they leave alone, so empty is not given.
 * Problems are added to `errors` under the field's own path; null then.
 */
export function checkScheduleSettings(
  configVar: ConfigVar,
  input: { scheduleType?: string | null; timeZone?: string | null },
  field: string,
  errors: FieldErrors,
): ScheduleSettings | null {
  const name = `Config variable "${configVar.key}"`;
  const given = (value: string | null | undefined) => (value == null || value === '' ? null : value);
  const scheduleType = given(input.scheduleType);
  const timeZone = given(input.timeZone);
  let ok = true;
  if (configVar.dataType !== 'schedule') {
    for (const [key, value] of [
      ['scheduleType', scheduleType],
      ['timeZone', timeZone],
    ] as const) {
      if (value === null) continue;
      errors.add(`${field}.${key}`, `${name} is a ${configVar.dataType}, not a schedule: it takes no ${key}.`);
      ok = false;
    }
    return ok ? {} : null;
  }
  const settings: ScheduleSettings = {};
  if (scheduleType !== null) {
    const known = SCHEDULE_TYPES.find((type) => type === scheduleType.toUpperCase());
    if (known) settings.scheduleType = known;
    else {
      errors.add(`${field}.scheduleType`, `${name}: "${scheduleType}" is not a schedule type; use one of ${SCHEDULE_TYPES.join(', ')}.`);
      ok = false;
    }
  }
  if (timeZone !== null) {
    if (isValidTimeZone(timeZone)) settings.timeZone = timeZone;
    else {
      errors.add(`${field}.timeZone`, `${name}: "${timeZone}" is not an IANA time zone (like Europe/Berlin or UTC).`);
      ok = false;
    }
  }
  return ok ? settings : null;
}
