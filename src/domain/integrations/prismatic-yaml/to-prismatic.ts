import { stringify } from 'yaml';
import type { ConfigVar, DefinitionError, Flow, IntegrationDefinition, Step, Trigger } from '../definition';
import { formatPath, type PathSegment } from '../definition/paths';
import { exportInput, type ExportScope, type PrismaticInput } from './export-inputs';
import { LOOP, SCHEDULE_TRIGGER, stepKeyOf, TRIGGER_STEP_NAME, WEBHOOK_TRIGGER } from './names';

/**
 * A tenantflow definition as Prismatic's integration YAML (`definitionVersion: 7`), in the shape
 * prismaticToDefinition reads back: exporting what an import produced gives the same YAML again. What
 * Prismatic cannot express (api triggers, fan-out, dynamic auth ids, set-variables and branch steps,
 * Liquid filters) is an error at its path instead of a different integration.
 */

export type PrismaticExport = { ok: true; text: string } | { ok: false; errors: DefinitionError[] };

type Data = Record<string, unknown>;

/** tenantflow components are not versioned; Prismatic clients accept LATEST. */
const componentOf = (key: string) => ({ key, version: 'LATEST', isPublic: true });

export function definitionToPrismatic(def: IntegrationDefinition): PrismaticExport {
  const errors: DefinitionError[] = [];
  const report = (path: PathSegment[], message: string) => errors.push({ path: formatPath(path), message });
  const configVars = (def.requiredConfigVars ?? []).map(configVarToPrismatic);
  const document: Data = {
    definitionVersion: 7,
    name: def.name,
    ...(def.description !== undefined && { description: def.description }),
    ...(def.stableKey !== undefined && { stableKey: def.stableKey }),
    requiredConfigVars: configVars,
    configPages: [{ name: 'Configuration', elements: configVars.map((configVar) => ({ type: 'configVar', value: configVar.key })) }],
    flows: def.flows.map((flow, index) => flowToPrismatic(flow, ['flows', index], report)),
  };
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, text: stringify(document, { aliasDuplicateObjects: false, lineWidth: 0 }) };
}

function configVarToPrismatic(configVar: ConfigVar): Data & { key: string } {
  const base = {
    key: configVar.key,
    ...(configVar.stableKey !== undefined && { stableKey: configVar.stableKey }),
    ...(configVar.description !== undefined && { description: configVar.description }),
  };
  switch (configVar.dataType) {
    case 'connection':
      if (configVar.useScopedConfigVar !== undefined) return { ...base, dataType: 'connection', useScopedConfigVar: configVar.useScopedConfigVar };
      return { ...base, dataType: 'connection', connection: { component: componentOf(configVar.connection!.component), key: configVar.connection!.key } };
    case 'json':
      return { ...base, dataType: 'code', codeLanguage: 'json', ...(configVar.defaultValue !== undefined && { defaultValue: configVar.defaultValue }) };
    case 'schedule':
      return {
        ...base,
        dataType: 'schedule',
        ...(configVar.defaultValue !== undefined && { defaultValue: configVar.defaultValue }),
        ...(configVar.timeZone !== undefined && { timeZone: configVar.timeZone }),
      };
    default:
      return { ...base, dataType: configVar.dataType, ...(configVar.defaultValue !== undefined && { defaultValue: configVar.defaultValue }) };
  }
}

type Report = (path: PathSegment[], message: string) => void;

function flowToPrismatic(flow: Flow, path: PathSegment[], report: Report): Data {
  const triggerKey = stepKeyOf(TRIGGER_STEP_NAME);
  const stepKeys = new Map<string, string>();
  const collect = (steps: readonly Step[]) => {
    for (const step of steps) {
      stepKeys.set(step.name, stepKeyOf(step.name));
      if (step.type === 'loop') collect(step.steps);
    }
  };
  collect(flow.steps);
  for (const [name, key] of stepKeys) if (key === triggerKey) report(path, `step "${name}" would have the trigger's Prismatic key "${key}"; rename it`);
  const scope: ExportScope = { triggerKey, stepKeys, loops: [] };
  return {
    name: flow.name,
    stableKey: flow.stableKey,
    ...(flow.description !== undefined && { description: flow.description }),
    isSynchronous: flow.trigger.type === 'webhook' && flow.trigger.synchronous === true,
    steps: [triggerToPrismatic(flow.trigger, [...path, 'trigger'], report), ...stepsToPrismatic(flow.steps, [...path, 'steps'], scope, report)],
  };
}

function triggerToPrismatic(trigger: Trigger, path: PathSegment[], report: Report): Data {
  const step = (ref: { component: string; key: string }) => ({
    name: TRIGGER_STEP_NAME,
    isTrigger: true,
    action: { component: componentOf(ref.component), key: ref.key },
    inputs: {},
  });
  switch (trigger.type) {
    case 'webhook':
      return step(WEBHOOK_TRIGGER);
    case 'schedule': {
      if (trigger.fanOut) report([...path, 'fanOut'], 'Prismatic has no fan-out trigger');
      const schedule =
        trigger.configVar !== undefined
          ? { type: 'configVar', value: trigger.configVar }
          : { type: 'value', value: trigger.cron, meta: { scheduleType: 'custom', timeZone: trigger.timeZone ?? '' } };
      return { ...step(SCHEDULE_TRIGGER), schedule };
    }
    case 'api':
      report([...path, 'type'], 'Prismatic has no api trigger; use a webhook trigger');
      return step(WEBHOOK_TRIGGER);
  }
}

function stepsToPrismatic(steps: readonly Step[], path: PathSegment[], scope: ExportScope, report: Report): Data[] {
  return steps.map((step, index) => stepToPrismatic(step, [...path, index], scope, report));
}

function stepToPrismatic(step: Step, path: PathSegment[], scope: ExportScope, report: Report): Data {
  const base: Data = {
    name: step.name,
    ...(step.stableKey !== undefined && { stableKey: step.stableKey }),
    ...(step.description !== undefined && { description: step.description }),
  };
  const onError = 'onError' in step && step.onError === 'continue' ? { errorConfig: { errorType: 'ignore_and_continue' } } : {};
  const input = (value: Parameters<typeof exportInput>[0], at: PathSegment[], innerScope = scope): PrismaticInput => {
    const converted = exportInput(value, innerScope);
    if ('error' in converted) {
      report(at, converted.error);
      return { type: 'value', value: '' };
    }
    return converted;
  };
  switch (step.type) {
    case 'action': {
      if (step.auth !== undefined) report([...path, 'auth'], 'Prismatic has no dynamic auth ids; use a connection config variable');
      const inputs: Record<string, PrismaticInput> = {};
      if (step.connection !== undefined) inputs.connection = { type: 'configVar', value: step.connection };
      for (const [name, value] of Object.entries(step.inputs ?? {})) inputs[name] = input(value, [...path, 'inputs', name]);
      return { ...base, action: { component: componentOf(step.action.component), key: step.action.key }, inputs, ...onError };
    }
    case 'loop': {
      const key = stepKeyOf(step.name);
      const bodyScope = { ...scope, loops: [...scope.loops, { key, itemName: step.itemName }] };
      return {
        ...base,
        action: { component: componentOf(LOOP.component), key: LOOP.key },
        inputs: { items: input(step.items, [...path, 'items']) },
        steps: stepsToPrismatic(step.steps, [...path, 'steps'], bodyScope, report),
        ...onError,
      };
    }
    case 'set-variables':
    case 'branch':
      report([...path, 'type'], `${step.type} steps have no Prismatic form tenantflow writes; export this integration in the tenantflow format`);
      return base;
  }
}
