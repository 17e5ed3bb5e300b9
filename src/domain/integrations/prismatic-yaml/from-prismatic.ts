import type { DefinitionError, JsonValue } from '../definition';
import { formatPath, type PathSegment } from '../definition/paths';
import { convertInput, type ReferenceScope } from './import-inputs';
import { LOOP, loopItemNameOf, SCHEDULE_TRIGGER, slugOf, stepKeyOf, WEBHOOK_TRIGGER } from './names';
import { PathMap } from './path-map';

/**
 * Prismatic's integration YAML (`definitionVersion: 7`) as a tenantflow definition. Pure: the result is
 * plain data for parseIntegrationDefinition, plus the map from its paths back to the YAML's, so every
 * later problem names the place the author wrote. docs/prismatic-yaml.md lists what maps and what is refused.
 */

export type PrismaticConversion = { ok: true; definition: Record<string, unknown>; paths: PathMap } | { ok: false; errors: DefinitionError[] };

type Data = Record<string, unknown>;
const isRecord = (value: unknown): value is Data => value !== null && typeof value === 'object' && !Array.isArray(value);

/** Fields Prismatic writes that change nothing here (display, marketplace, server bookkeeping). */
const IGNORED_TOP_LEVEL = ['category', 'documentation', 'labels', 'version', 'defaultInstanceProfile', 'importMetadata', 'configPages'];
const IGNORED_NULLABLE_TOP_LEVEL = ['preprocessFlowName', 'externalCustomerIdField', 'externalCustomerUserIdField', 'flowNameField'];
const IGNORED_FLOW = ['endpointSecurityType', 'isAgentFlow', 'supplementalComponents', 'schemas', 'organizationApiKeys', 'retryConfig', 'queueConfig'];
const IGNORED_CONFIG_VAR = ['orgOnly', 'meta', 'scheduleType', 'codeLanguage'];

/** Prismatic exports list every input, the unset ones with an empty value: those say nothing. */
const isUnset = (input: unknown) =>
  isRecord(input) && (input.value === undefined || input.value === '' || (Array.isArray(input.value) && input.value.length === 0));

/** True when the data is a Prismatic definition (it says which format version it is). */
export const isPrismaticDefinition = (data: unknown): data is Data => isRecord(data) && 'definitionVersion' in data;

export function prismaticToDefinition(data: Data): PrismaticConversion {
  return new Converter().integration(data);
}

class Converter {
  private readonly errors: DefinitionError[] = [];
  private readonly paths = new PathMap();

  private report(path: PathSegment[], message: string): void {
    this.errors.push({ path: formatPath(path), message });
  }

  /** Reports fields that are neither used nor known to be safe to ignore. */
  private onlyFields(data: Data, path: PathSegment[], used: readonly string[], ignored: readonly string[] = []): void {
    for (const key of Object.keys(data)) {
      if (!used.includes(key) && !ignored.includes(key)) this.report([...path, key], 'is not a field tenantflow reads here (docs/prismatic-yaml.md)');
    }
  }

  private text(data: Data, key: string, path: PathSegment[]): string | undefined {
    const value = data[key];
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value === 'string') return value;
    this.report([...path, key], 'must be text');
    return undefined;
  }

  integration(data: Data): PrismaticConversion {
    if (data.definitionVersion !== 7) this.report(['definitionVersion'], 'must be 7 (the Prismatic definition version tenantflow reads)');
    if (data.isCodeNative === true) this.report(['isCodeNative'], 'code-native integrations run code tenantflow does not run; export a low-code integration');
    if (data.endpointType != null && data.endpointType !== 'flow_specific') {
      this.report(['endpointType'], 'must be flow_specific: every flow has its own webhook URL here');
    }
    for (const key of IGNORED_NULLABLE_TOP_LEVEL)
      if (data[key] != null) this.report([key], 'needs an instance_specific endpoint, which tenantflow does not have');
    this.onlyFields(
      data,
      [],
      ['definitionVersion', 'isCodeNative', 'endpointType', 'name', 'description', 'stableKey', 'requiredConfigVars', 'flows'],
      [...IGNORED_TOP_LEVEL, ...IGNORED_NULLABLE_TOP_LEVEL],
    );
    const definition: Data = { name: data.name, description: this.text(data, 'description', []), stableKey: data.stableKey };
    const configVars = this.list(data.requiredConfigVars, ['requiredConfigVars']).map((item, index) => this.configVar(item, index));
    if (configVars.length > 0) definition.requiredConfigVars = configVars;
    this.checkConfigPages(data.configPages, new Set(configVars.map((configVar) => configVar.key)));
    definition.flows = Array.isArray(data.flows) ? data.flows.map((flow, index) => this.flow(flow, index)) : data.flows;
    if (this.errors.length > 0) return { ok: false, errors: this.errors };
    return { ok: true, definition: dropUndefined(definition), paths: this.paths };
  }

  private list(value: unknown, path: PathSegment[]): unknown[] {
    if (value === undefined || value === null) return [];
    if (Array.isArray(value)) return value;
    this.report(path, 'must be a list');
    return [];
  }

  private configVar(item: unknown, index: number): Data {
    const path = ['requiredConfigVars', index];
    if (!isRecord(item)) return item as Data;
    const base: Data = { key: item.key, stableKey: item.stableKey, description: this.text(item, 'description', path), dataType: item.dataType };
    if (item.collectionType != null) this.report([...path, 'collectionType'], 'lists of values are not supported; use a json config variable');
    if (item.dataSource != null) this.report([...path, 'dataSource'], 'data sources are not supported');
    if (item.pickList != null) this.report([...path, 'pickList'], 'pick lists are not supported; use a string config variable');
    switch (item.dataType) {
      case 'connection':
        this.onlyFields(
          item,
          path,
          ['key', 'stableKey', 'description', 'dataType', 'connection', 'useScopedConfigVar', 'inputs', 'onPremiseConnectionConfig'],
          IGNORED_CONFIG_VAR,
        );
        return this.connectionConfigVar(item, base, path);
      case 'string':
      case 'number':
      case 'boolean':
      case 'schedule':
      case 'code': {
        const fields = ['key', 'stableKey', 'description', 'dataType', 'defaultValue', 'timeZone', 'collectionType', 'dataSource', 'pickList', 'inputs'];
        this.onlyFields(item, path, fields, IGNORED_CONFIG_VAR);
        if (item.inputs != null && (!isRecord(item.inputs) || Object.keys(item.inputs).length > 0))
          this.report([...path, 'inputs'], 'only data sources have inputs');
        if (item.dataType === 'code' && item.codeLanguage !== 'json') this.report([...path, 'codeLanguage'], 'code config variables must be json here');
        const dataType = item.dataType === 'code' ? 'json' : item.dataType;
        const timeZone = item.dataType === 'schedule' ? this.text(item, 'timeZone', path) : undefined;
        return { ...base, dataType, defaultValue: item.defaultValue === '' ? undefined : item.defaultValue, timeZone };
      }
      default:
        this.report([...path, 'dataType'], `"${String(item.dataType)}" is not supported; use string, number, boolean, schedule, code (json) or connection`);
        return base;
    }
  }

  private connectionConfigVar(item: Data, base: Data, path: PathSegment[]): Data {
    if (item.onPremiseConnectionConfig != null && item.onPremiseConnectionConfig !== 'disallowed') {
      this.report([...path, 'onPremiseConnectionConfig'], 'on-premise connections are not supported; allow the host with EGRESS_ALLOW instead');
    }
    if (item.useScopedConfigVar !== undefined) return { ...base, useScopedConfigVar: item.useScopedConfigVar };
    const connection = item.connection;
    if (!isRecord(connection) || !isRecord(connection.component)) {
      this.report([...path, 'connection'], 'must be { component: { key, version, isPublic }, key }, or use useScopedConfigVar');
      return base;
    }
    if (connection.template != null) this.report([...path, 'connection', 'template'], 'connection templates are not supported');
    // Each instance sets its connection's values; a value written into the definition would be ignored.
    for (const [name, input] of Object.entries(isRecord(item.inputs) ? item.inputs : {})) {
      if (!isUnset(input)) {
        this.report([...path, 'inputs', name], 'connection values are set per instance (or on an organization-activated connection), not in the definition');
      }
    }
    return { ...base, connection: { component: connection.component.key, key: connection.key } };
  }

  private checkConfigPages(pages: unknown, keys: Set<unknown>): void {
    for (const [pageIndex, page] of this.list(pages, ['configPages']).entries()) {
      if (!isRecord(page)) continue;
      for (const [index, element] of this.list(page.elements, ['configPages', pageIndex, 'elements']).entries()) {
        if (isRecord(element) && element.type === 'configVar' && !keys.has(element.value)) {
          this.report(['configPages', pageIndex, 'elements', index, 'value'], `"${String(element.value)}" is not the key of a requiredConfigVar`);
        }
      }
    }
  }

  private flow(flow: unknown, index: number): unknown {
    const path: PathSegment[] = ['flows', index];
    if (!isRecord(flow)) return flow;
    this.onlyFields(flow, path, ['name', 'stableKey', 'description', 'isSynchronous', 'steps'], IGNORED_FLOW);
    const steps = this.list(flow.steps, [...path, 'steps']);
    const [triggerStep, ...rest] = steps;
    if (!isRecord(triggerStep) || triggerStep.isTrigger !== true) {
      this.report([...path, 'steps', 0], 'the first step of a flow must be its trigger (isTrigger: true)');
      return flow;
    }
    const scope: ReferenceScope = { triggerKey: stepKeyOf(String(triggerStep.name ?? '')), steps: stepKeysOf(rest), loops: [] };
    const name = typeof flow.name === 'string' ? flow.name : '';
    const converted: Data = {
      name: flow.name,
      stableKey: flow.stableKey ?? slugOf(name, `flow-${index + 1}`),
      description: this.text(flow, 'description', path),
      trigger: this.trigger(triggerStep, flow.isSynchronous, [...path, 'steps', 0]),
      steps: this.steps(rest, [...path, 'steps'], 1, ['flows', index, 'steps'], scope),
    };
    const trigger = ['flows', index, 'trigger'];
    this.paths.add(formatPath(trigger), formatPath([...path, 'steps', 0]));
    this.paths.add(formatPath([...trigger, 'cron']), formatPath([...path, 'steps', 0, 'schedule', 'value']));
    this.paths.add(formatPath([...trigger, 'configVar']), formatPath([...path, 'steps', 0, 'schedule', 'value']));
    this.paths.add(formatPath([...trigger, 'timeZone']), formatPath([...path, 'steps', 0, 'schedule', 'meta', 'timeZone']));
    return converted;
  }

  private trigger(step: Data, isSynchronous: unknown, path: PathSegment[]): Data {
    this.onlyFields(step, path, ['name', 'stableKey', 'description', 'isTrigger', 'action', 'inputs', 'schedule'], ['errorConfig']);
    const action = this.componentRef(step.action, [...path, 'action']);
    for (const [name, input] of Object.entries(isRecord(step.inputs) ? step.inputs : {})) {
      if (!isUnset(input))
        this.report([...path, 'inputs', name], "tenantflow triggers take no inputs (a synchronous flow answers with its last step's result)");
    }
    const schedule = isRecord(step.schedule) ? step.schedule : null;
    if (action?.component === WEBHOOK_TRIGGER.component && action.key === WEBHOOK_TRIGGER.key) {
      if (schedule) this.report([...path, 'schedule'], 'a webhook trigger has no schedule here; use schedule-triggers');
      return isSynchronous === true ? { type: 'webhook', synchronous: true } : { type: 'webhook' };
    }
    if (action?.component === SCHEDULE_TRIGGER.component && action.key === SCHEDULE_TRIGGER.key) {
      if (isSynchronous === true) this.report(['flows', path[1]!, 'isSynchronous'], 'a scheduled flow has no caller to answer');
      if (!schedule) {
        this.report([...path, 'schedule'], 'is required: { type: value, value: <cron> } or { type: configVar, value: <schedule config var> }');
        return { type: 'schedule' };
      }
      if (schedule.type === 'configVar') return { type: 'schedule', configVar: schedule.value };
      const timeZone =
        isRecord(schedule.meta) && typeof schedule.meta.timeZone === 'string' && schedule.meta.timeZone !== '' ? schedule.meta.timeZone : undefined;
      return { type: 'schedule', cron: schedule.value, timeZone };
    }
    if (action) {
      const known = `${WEBHOOK_TRIGGER.component}/${WEBHOOK_TRIGGER.key} and ${SCHEDULE_TRIGGER.component}/${SCHEDULE_TRIGGER.key}`;
      this.report([...path, 'action', 'component', 'key'], `trigger "${action.component}/${action.key}" is not available; tenantflow has ${known}`);
    }
    return { type: 'webhook' };
  }

  private componentRef(action: unknown, path: PathSegment[]): { component: string; key: string } | null {
    if (isRecord(action) && isRecord(action.component) && typeof action.component.key === 'string' && typeof action.key === 'string') {
      return { component: action.component.key, key: action.key };
    }
    this.report(path, 'must be { component: { key, version, isPublic }, key }');
    return null;
  }

  /** Steps at `path` (Prismatic) starting at index `offset`, which become tenantflow's steps at `tfPath`. */
  private steps(steps: unknown[], path: PathSegment[], offset: number, tfPath: PathSegment[], scope: ReferenceScope): unknown[] {
    return steps.map((step, index) => {
      const stepPath = [...path, index + offset];
      this.paths.add(formatPath([...tfPath, index]), formatPath(stepPath));
      return isRecord(step) ? this.step(step, stepPath, [...tfPath, index], scope) : step;
    });
  }

  private step(step: Data, path: PathSegment[], tfPath: PathSegment[], scope: ReferenceScope): Data {
    this.onlyFields(step, path, ['name', 'stableKey', 'description', 'action', 'inputs', 'steps', 'errorConfig', 'isTrigger']);
    if (step.isTrigger === true) this.report([...path, 'isTrigger'], 'only the first step of a flow is its trigger');
    const base: Data = { name: step.name, stableKey: step.stableKey, description: this.text(step, 'description', path), onError: this.onError(step, path) };
    const action = this.componentRef(step.action, [...path, 'action']);
    const inputs = isRecord(step.inputs) ? step.inputs : {};
    if (step.inputs !== undefined && !isRecord(step.inputs)) this.report([...path, 'inputs'], 'must be a mapping of input names to inputs');
    if (action?.component === LOOP.component) return this.loop(step, action.key, base, inputs, path, tfPath, scope);
    if (step.steps !== undefined) this.report([...path, 'steps'], 'only loop steps have steps');
    const converted: Data = { ...base, action };
    const values: Record<string, JsonValue> = {};
    for (const [name, input] of Object.entries(inputs)) {
      if (isUnset(input)) continue; // how Prismatic exports an input left unset: the action's default applies
      const inputPath = [...path, 'inputs', name];
      // Prismatic passes an action its credential as a configVar input; tenantflow names it on the step.
      if (isRecord(input) && input.type === 'configVar' && name === 'connection') {
        converted.connection = input.value;
        this.paths.add(formatPath([...tfPath, 'connection']), formatPath(inputPath));
        continue;
      }
      const value = convertInput(input, inputPath, scope);
      if (value.ok) values[name] = value.value;
      else this.errors.push(...value.problems);
    }
    if (Object.keys(values).length > 0) converted.inputs = values;
    return converted;
  }

  private loop(step: Data, actionKey: string, base: Data, inputs: Data, path: PathSegment[], tfPath: PathSegment[], scope: ReferenceScope): Data {
    if (actionKey !== LOOP.key)
      this.report([...path, 'action', 'key'], `loop action "${actionKey}" is not available; tenantflow has ${LOOP.component}/${LOOP.key}`);
    for (const name of Object.keys(inputs)) if (name !== 'items') this.report([...path, 'inputs', name], 'a loop over items takes only items');
    const key = stepKeyOf(String(step.name ?? ''));
    const itemName = loopItemNameOf(key);
    const items = convertInput(inputs.items, [...path, 'inputs', 'items'], scope);
    if (!items.ok) this.errors.push(...items.problems);
    this.paths.add(formatPath([...tfPath, 'items']), formatPath([...path, 'inputs', 'items']));
    const bodyScope = { ...scope, loops: [...scope.loops, { key, itemName }] };
    const body = this.steps(this.list(step.steps, [...path, 'steps']), [...path, 'steps'], 0, [...tfPath, 'steps'], bodyScope);
    return { ...base, type: 'loop', items: items.ok ? items.value : '', itemName, steps: body };
  }

  private onError(step: Data, path: PathSegment[]): string | undefined {
    const config = step.errorConfig;
    if (config == null) return undefined;
    const errorType = isRecord(config) ? config.errorType : undefined;
    if (errorType === undefined || errorType === 'fail') return undefined;
    if (errorType === 'ignore_and_continue') return 'continue';
    this.report([...path, 'errorConfig', 'errorType'], 'must be fail or ignore_and_continue (retries are set by the engine here)');
    return undefined;
  }
}

/** Every step key of a flow, nested bodies included: references may name any step. */
function stepKeysOf(steps: readonly unknown[]): Map<string, string> {
  const keys = new Map<string, string>();
  const visit = (list: readonly unknown[]) => {
    for (const step of list) {
      if (!isRecord(step) || typeof step.name !== 'string') continue;
      keys.set(stepKeyOf(step.name), step.name);
      if (Array.isArray(step.steps)) visit(step.steps);
    }
  };
  visit(steps);
  return keys;
}

/** Leaves out absent optional fields, so the result reads like a hand-written definition. */
function dropUndefined(value: unknown): Record<string, unknown> {
  return JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
}
