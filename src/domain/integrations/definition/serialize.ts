import { stringify } from 'yaml';
import type { Branch, ConfigVar, Flow, IntegrationDefinition, Step, Trigger } from './types';

/**
 * Canonical YAML for a definition: fields in the documented order, absent fields left out, and
 * `type: action` omitted as authors write it. parseIntegrationDefinition reads it back to an equal
 * value, and serializing that again gives the same text, so stored versions and exports diff cleanly.
 */
export function serializeIntegrationDefinition(def: IntegrationDefinition): string {
  const document = pick(def, ['name', 'description', 'stableKey']);
  if (def.requiredConfigVars) document.requiredConfigVars = def.requiredConfigVars.map(configVarToYaml);
  document.flows = def.flows.map(flowToYaml);
  // No anchors/aliases even when objects are shared, and no line folding of long templates.
  return stringify(document, { aliasDuplicateObjects: false, lineWidth: 0 });
}

type Plain = Record<string, unknown>;

/** Copies the listed fields that are present, in that order. */
function pick<T extends object>(source: T, keys: readonly (keyof T & string)[]): Plain {
  const out: Plain = {};
  for (const key of keys) if (source[key] !== undefined) out[key] = source[key];
  return out;
}

function configVarToYaml(configVar: ConfigVar): Plain {
  const base = pick(configVar, ['key', 'stableKey', 'description', 'dataType']);
  switch (configVar.dataType) {
    case 'connection': {
      const out = { ...base, ...pick(configVar, ['useScopedConfigVar']) };
      if (configVar.connection) out.connection = pick(configVar.connection, ['component', 'key']);
      if (configVar.userAuthentication) out.userAuthentication = pick(configVar.userAuthentication, ['enabled', 'nonInteractivePolicy']);
      return out;
    }
    case 'schedule':
      return { ...base, ...pick(configVar, ['defaultValue', 'timeZone']) };
    default:
      return { ...base, ...pick(configVar, ['defaultValue']) };
  }
}

function triggerToYaml(trigger: Trigger): Plain {
  switch (trigger.type) {
    case 'webhook':
      return pick(trigger, ['type', 'synchronous']);
    case 'schedule':
      return pick(trigger, ['type', 'cron', 'configVar', 'timeZone']);
    case 'api':
      return pick(trigger, ['type']);
  }
}

function flowToYaml(flow: Flow): Plain {
  return {
    ...pick(flow, ['name', 'stableKey', 'description']),
    trigger: triggerToYaml(flow.trigger),
    steps: flow.steps.map(stepToYaml),
  };
}

function branchToYaml(branch: Branch): Plain {
  return { ...pick(branch, ['name', 'condition']), steps: branch.steps.map(stepToYaml) };
}

function stepToYaml(step: Step): Plain {
  const base = pick(step, ['name', 'stableKey', 'description']);
  switch (step.type) {
    case 'action':
      return {
        ...base,
        action: pick(step.action, ['component', 'key']),
        ...pick(step, ['connection', 'auth', 'inputs', 'onError']),
      };
    case 'loop':
      return { ...base, type: step.type, ...pick(step, ['items', 'itemName', 'onError']), steps: step.steps.map(stepToYaml) };
    case 'set-variables':
      return { ...base, type: step.type, variables: step.variables };
    case 'branch': {
      const out: Plain = { ...base, type: step.type, branches: step.branches.map(branchToYaml) };
      if (step.else) out.else = step.else.map(stepToYaml);
      return out;
    }
  }
}
