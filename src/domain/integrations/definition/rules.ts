import { isValidTimeZone, parseCron } from './cron';
import { formatPath, type PathSegment } from './paths';
import { describeConfigVarMismatch, reportDuplicates, type Report } from './report';
import { checkSteps } from './step-rules';
import type { ConfigVar, DefinitionError, IntegrationDefinition, ScheduleTrigger } from './types';

/**
 * Rules that need the whole, well-shaped document: uniqueness, references between its parts,
 * cron and time zones, and templates. Returns every problem, in document order.
 */
export function checkDefinitionRules(def: IntegrationDefinition): DefinitionError[] {
  const errors: DefinitionError[] = [];
  const report = (path: PathSegment[], message: string) => errors.push({ path: formatPath(path), message });
  const configVars = def.requiredConfigVars ?? [];

  checkConfigVars(configVars, report);
  reportDuplicates(
    def.flows,
    (flow) => flow.stableKey,
    (index) => ['flows', index],
    'stableKey',
    report,
  );
  reportDuplicates(
    def.flows,
    (flow) => flow.name,
    (index) => ['flows', index],
    'name',
    report,
  );
  // First definition wins, so a duplicated key is reported once and not again at every use.
  const configVarsByKey = new Map<string, ConfigVar>();
  for (const configVar of configVars) if (!configVarsByKey.has(configVar.key)) configVarsByKey.set(configVar.key, configVar);
  for (const [index, flow] of def.flows.entries()) {
    if (flow.trigger.type === 'schedule') {
      checkScheduleTrigger(flow.trigger, ['flows', index, 'trigger'], configVarsByKey, report);
    }
    checkSteps(flow.steps, index, configVarsByKey, report);
  }
  return errors;
}

function checkTimeZone(timeZone: string | undefined, path: PathSegment[], report: Report): void {
  if (timeZone !== undefined && !isValidTimeZone(timeZone)) {
    report(path, `"${timeZone}" is not an IANA time zone (like Europe/Berlin or UTC)`);
  }
}

function checkCron(cron: string, path: PathSegment[], report: Report): void {
  const parsed = parseCron(cron);
  if (!parsed.ok) report(path, `must be a cron expression: ${parsed.message}`);
}

function checkConfigVars(configVars: readonly ConfigVar[], report: Report): void {
  const pathOf = (index: number): PathSegment[] => ['requiredConfigVars', index];
  reportDuplicates(configVars, (configVar) => configVar.key, pathOf, 'key', report);
  reportDuplicates(configVars, (configVar) => configVar.stableKey, pathOf, 'stableKey', report);
  for (const [index, configVar] of configVars.entries()) {
    const path = pathOf(index);
    switch (configVar.dataType) {
      case 'connection':
        if ((configVar.useScopedConfigVar === undefined) === (configVar.connection === undefined)) {
          report(path, 'a connection config var needs exactly one of useScopedConfigVar or connection');
        }
        // A reusable connection's settings belong to it (the same for every integration that uses it).
        if (configVar.useScopedConfigVar !== undefined && configVar.userAuthentication !== undefined) {
          report([...path, 'userAuthentication'], 'is set on the reusable connection itself (updateScopedConfigVariable), not with useScopedConfigVar');
        }
        break;
      case 'schedule':
        if (configVar.defaultValue !== undefined) checkCron(configVar.defaultValue, [...path, 'defaultValue'], report);
        checkTimeZone(configVar.timeZone, [...path, 'timeZone'], report);
        break;
      default: {
        const problem = defaultValueProblem(configVar.dataType, configVar.defaultValue);
        if (problem) report([...path, 'defaultValue'], problem);
      }
    }
  }
}

/** Default values are text (as in Prismatic) but must read as their dataType. */
function defaultValueProblem(dataType: 'string' | 'number' | 'boolean' | 'json', value: string | undefined): string | null {
  if (value === undefined || dataType === 'string') return null;
  if (dataType === 'number') return value.trim() !== '' && Number.isFinite(Number(value)) ? null : 'must be a number';
  if (dataType === 'boolean') return value === 'true' || value === 'false' ? null : 'must be "true" or "false"';
  try {
    JSON.parse(value);
    return null;
  } catch (error) {
    return `must be JSON text: ${(error as Error).message}`;
  }
}

function checkScheduleTrigger(trigger: ScheduleTrigger, path: PathSegment[], configVarsByKey: ReadonlyMap<string, ConfigVar>, report: Report): void {
  if ((trigger.cron === undefined) === (trigger.configVar === undefined)) {
    report(path, 'a schedule trigger needs exactly one of cron or configVar');
    return;
  }
  // A fan-out fires once per tick for the whole integration, so its time cannot differ per instance.
  if (trigger.fanOut && trigger.configVar !== undefined) {
    report([...path, 'configVar'], 'is not allowed with fanOut: a fan-out fires once for all customers, so give it a cron');
  }
  if (trigger.cron !== undefined) {
    checkCron(trigger.cron, [...path, 'cron'], report);
    checkTimeZone(trigger.timeZone, [...path, 'timeZone'], report);
    return;
  }
  const key = trigger.configVar!;
  const configVar = configVarsByKey.get(key);
  if (configVar?.dataType !== 'schedule') {
    report([...path, 'configVar'], describeConfigVarMismatch(key, configVar, 'schedule'));
  }
  // One source of truth for the zone: the schedule config var (and each instance's value of it).
  if (trigger.timeZone !== undefined) {
    report([...path, 'timeZone'], 'is not allowed with configVar: set timeZone on the schedule config var');
  }
}
