import type { UserAuthenticationSettings } from '../../user-authentications/settings';
/**
 * The integration definition: what an organization writes (YAML or JSON) and imports, and what a
 * version stores. docs/definition.md describes every field and rule.
 */

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A component action or connection type, named by keys the component catalog defines. */
export interface ComponentRef {
  component: string;
  key: string;
}

interface ConfigVarBase {
  /** Display key, also how flows refer to the variable (`configVars['Batch size']`, step `connection`). */
  key: string;
  /** Survives renames and matches the variable across tenants. */
  stableKey?: string;
  description?: string;
}

export interface ValueConfigVar extends ConfigVarBase {
  dataType: 'string' | 'number' | 'boolean' | 'json';
  /** Always text, as in Prismatic; `number`/`boolean`/`json` values must parse as such. */
  defaultValue?: string;
}

export interface ScheduleConfigVar extends ConfigVarBase {
  dataType: 'schedule';
  /** A 5-field cron expression. */
  defaultValue?: string;
  /** IANA time zone the cron is read in; UTC when absent. */
  timeZone?: string;
}

/** Exactly one of `useScopedConfigVar` and `connection` is set (checked by the rules). */
export interface ConnectionConfigVar extends ConfigVarBase {
  dataType: 'connection';
  /** stableKey of an organization-activated connection (ScopedConfigVariable) in the importing tenant. */
  useScopedConfigVar?: string;
  /** A connection type whose values each instance fills in. */
  connection?: ComponentRef;
  /** Seed 002 on an inline connection (a reusable one keeps its own settings): each user's own credential. */
  userAuthentication?: UserAuthenticationSettings;
}

export type ConfigVar = ValueConfigVar | ScheduleConfigVar | ConnectionConfigVar;
export type ConfigVarDataType = ConfigVar['dataType'];

export type WebhookTrigger = { type: 'webhook'; synchronous?: boolean };
/**
 * Runs the flow once per customer with a deployed, enabled instance of the integration (optionally only
 * customers carrying every label in `labels`), each child an ordinary run of that instance, under a parent
 * run that counts them. `fanOut: customers` is the shorthand for `{ to: customers }`. docs/fan-out.md.
 */
export type FanOut = {
  to: 'customers';
  labels?: string[];
  /** Children of one fan-out running at once; default FAN_OUT_DEFAULT_MAX_CONCURRENCY. */
  maxConcurrency?: number;
  /** Requests of one fan-out's children in flight to one host at once, across all workers; no limit when absent. */
  maxConcurrencyPerHost?: number;
};
/** Exactly one of `cron` and `configVar`; `timeZone` only with `cron` (a config var has its own). A fan-out needs `cron`. */
export type ScheduleTrigger = { type: 'schedule'; cron?: string; configVar?: string; timeZone?: string; fanOut?: FanOut };
export type ApiTrigger = { type: 'api'; fanOut?: FanOut };
export type Trigger = WebhookTrigger | ScheduleTrigger | ApiTrigger;

interface StepBase {
  /** Unique within the flow, loop and branch bodies included; templates read `steps['Name']`. */
  name: string;
  stableKey?: string;
  description?: string;
}

export interface ActionStep extends StepBase {
  type: 'action';
  action: ComponentRef;
  /** Key of a requiredConfigVar with dataType `connection`. */
  connection?: string;
  /** Template yielding a ConnectorAuth id; when set it always wins over `connection`. */
  auth?: string;
  /** Every string leaf is a template. */
  inputs?: Record<string, JsonValue>;
  /** What a failure does: `fail` (default) ends the run; `continue` records it, and later steps read `steps['X'].error`. */
  onError?: 'continue' | 'fail';
}

export interface LoopStep extends StepBase {
  type: 'loop';
  /** One `{{ expr }}` yielding a list, or a dictionary whose values are iterated. */
  items: string;
  /** Identifier under which each item is visible to the body's templates. */
  itemName: string;
  /** What a failed iteration does: `fail` (default) ends the run; `continue` records it and goes on. */
  onError?: 'continue' | 'fail';
  steps: Step[];
}

export interface SetVariablesStep extends StepBase {
  type: 'set-variables';
  /** Keys are identifiers (`variables.total`); every string leaf of a value is a template. */
  variables: Record<string, JsonValue>;
}

export interface Branch {
  name: string;
  /** Template; the first branch whose condition is truthy runs. */
  condition: string;
  steps: Step[];
}

export interface BranchStep extends StepBase {
  type: 'branch';
  branches: Branch[];
  /** Runs when no branch condition is truthy. */
  else?: Step[];
}

export type Step = ActionStep | LoopStep | SetVariablesStep | BranchStep;
export type StepType = Step['type'];

export interface Flow {
  name: string;
  /** Required: executions, instances and tenant sync refer to flows by it. */
  stableKey: string;
  description?: string;
  trigger: Trigger;
  steps: Step[];
}

export interface IntegrationDefinition {
  name: string;
  description?: string;
  stableKey?: string;
  requiredConfigVars?: ConfigVar[];
  flows: Flow[];
}

/** One problem, located like `flows[0].steps[2].inputs.url`. */
export interface DefinitionError {
  path: string;
  message: string;
}

export type DefinitionParseResult = { ok: true; value: IntegrationDefinition } | { ok: false; errors: DefinitionError[] };
