import type { DbOrTx } from '../../db/client';
import type { ConfigVariableValue, SealedInputs } from '../../db/tables';
import type { KeyOwner, Vault } from '../../vault/vault';
import type { Actor } from '../actor';
import { findConnection } from '../components/registry';
import { checkExpressions, type InputExpression } from '../connections/input-expressions';
import { FieldErrors } from '../errors';
import { parseCron, type ConfigVar, type IntegrationDefinition } from '../integrations/definition';
import { checkScheduleSettings, type ScheduleSettings } from './schedule-settings';

/**
 * Prismatic's InputInstanceConfigVariable: `key` is the required config var's key; plain config vars take
 * `value`, inline connections take `values`, a JSON list of inputs `[{"name":"apiKey","type":"value","value":"…"}]`.
 * A schedule may also take its `scheduleType` and `timeZone` (schedule-settings.ts).
 */
export type InstanceConfigVariableInput = {
  key: string;
  value?: string | null;
  values?: string | null;
  scheduleType?: string | null;
  timeZone?: string | null;
};

/**
 * What one input asks for, checked and not yet sealed. `unset` resets the variable (null or empty value),
 * schedule settings included: without a value of its own a schedule runs the definition's default as defined.
 */
export type CheckedConfigValue =
  { kind: 'value'; value: string; schedule: ScheduleSettings } | { kind: 'inline'; inputs: Map<string, string> } | { kind: 'unset' };

const FIELD = 'configVariables';

/**
 * Checks config variable inputs against the definition the instance configures. Every problem is added to
 * `errors` under `configVariables`, naming the variable (a schedule setting under its own path, like
 * `configVariables[2].timeZone`); nothing is sealed or written here.
 */
export async function checkConfigInputs(
  db: DbOrTx,
  actor: Actor,
  def: IntegrationDefinition,
  inputs: readonly InstanceConfigVariableInput[],
  errors: FieldErrors,
): Promise<Map<string, CheckedConfigValue>> {
  const checked = new Map<string, CheckedConfigValue>();
  const configVars = def.requiredConfigVars ?? [];
  for (const [index, input] of inputs.entries()) {
    const configVar = configVars.find((candidate) => candidate.key === input.key);
    if (!configVar) {
      const known = configVars.map((candidate) => candidate.key).join(', ') || 'none';
      errors.add(FIELD, `"${input.key}" is not a config variable of integration "${def.name}"; it has: ${known}.`);
      continue;
    }
    if (checked.has(configVar.key)) {
      errors.add(FIELD, `Config variable "${configVar.key}" is given more than once.`);
      continue;
    }
    const schedule = checkScheduleSettings(configVar, input, `${FIELD}[${index}]`, errors);
    const value = await checkOne(db, actor, configVar, input, errors);
    if (value && schedule) checked.set(configVar.key, value.kind === 'value' ? { ...value, schedule } : value);
  }
  return checked;
}

async function checkOne(
  db: DbOrTx,
  actor: Actor,
  configVar: ConfigVar,
  input: InstanceConfigVariableInput,
  errors: FieldErrors,
): Promise<CheckedConfigValue | null> {
  const name = `Config variable "${configVar.key}"`;
  if (configVar.dataType !== 'connection') {
    if (input.values != null) {
      errors.add(FIELD, `${name} is a ${configVar.dataType}: give it a "value"; "values" is for connection inputs.`);
      return null;
    }
    if (input.value == null || input.value === '') return { kind: 'unset' };
    const problem = valueProblem(configVar, input.value);
    if (problem) {
      errors.add(FIELD, `${name} ${problem}`);
      return null;
    }
    return { kind: 'value', value: input.value, schedule: {} };
  }

  if (configVar.useScopedConfigVar !== undefined) {
    if (input.value != null || input.values != null) {
      errors.add(
        FIELD,
        `${name} uses the organization's connection "${configVar.useScopedConfigVar}": ` +
          'its values come from that connection (per customer), so it takes no value here.',
      );
      return null;
    }
    return null; // bound automatically
  }

  if (input.value != null) {
    errors.add(FIELD, `${name} is a connection: give its inputs in "values", not "value".`);
    return null;
  }
  if (input.values == null) return { kind: 'unset' };
  const expressions = parseInputList(input.values);
  if (!expressions) {
    errors.add(FIELD, `${name}: "values" must be a JSON list of inputs like [{"name":"apiKey","type":"value","value":"…"}].`);
    return null;
  }
  const ref = configVar.connection!;
  const connection = await findConnection(db, actor, ref.component, ref.key);
  if (!connection) {
    errors.add(FIELD, `${name}: connection "${ref.key}" of component "${ref.component}" does not exist in this tenant.`);
    return null;
  }
  const local = new FieldErrors();
  const given = checkExpressions(expressions, connection.definition, local, { field: FIELD, allowed: () => null });
  for (const problem of local.list()) for (const message of problem.messages) errors.add(FIELD, `${name}: ${message}`);
  if (local.size > 0) return null;
  const inputs = new Map<string, string>();
  for (const [inputName, { value }] of given) if (value !== '') inputs.set(inputName, value);
  return { kind: 'inline', inputs };
}

function valueProblem(configVar: ConfigVar, value: string): string | null {
  if (value.length > 100_000) return 'must be at most 100000 characters.';
  switch (configVar.dataType) {
    case 'number':
      return value.trim() !== '' && Number.isFinite(Number(value)) ? null : `is a number: "${value}" is not one.`;
    case 'boolean':
      return value === 'true' || value === 'false' ? null : 'is a boolean: use "true" or "false".';
    case 'json':
      try {
        JSON.parse(value);
        return null;
      } catch {
        return 'must be JSON text.';
      }
    case 'schedule': {
      const cron = parseCron(value);
      return cron.ok ? null : `must be a cron expression: ${cron.message}`;
    }
    default:
      return null;
  }
}

function parseInputList(text: string): InputExpression[] | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (!Array.isArray(parsed)) return null;
  const isText = (v: unknown) => v === undefined || v === null || typeof v === 'string';
  const valid = parsed.every(
    (item) => item && typeof item === 'object' && typeof item.name === 'string' && isText(item.type) && isText(item.value) && isText(item.meta),
  );
  return valid ? (parsed as InputExpression[]) : null;
}

/**
 * The stored values after applying checked inputs on top of `base` (`{}` to replace everything, the current
 * values to merge). Inline connection inputs are sealed with the customer's data key, bound to this
 * instance and `<config var key>/<input name>`; given inputs of an inline connection merge into the ones
 * already in `base`. Connections that use an organization's connection are (re)bound by stable key.
 */
export async function storedConfigValues(
  db: DbOrTx,
  vault: Vault,
  owner: KeyOwner,
  instanceId: string,
  def: IntegrationDefinition,
  checked: ReadonlyMap<string, CheckedConfigValue>,
  base: Readonly<Record<string, ConfigVariableValue>>,
): Promise<Record<string, ConfigVariableValue>> {
  const result: Record<string, ConfigVariableValue> = { ...base };
  for (const [key, value] of checked) {
    if (value.kind === 'unset') delete result[key];
    else if (value.kind === 'value') {
      // Schedule settings left out keep the ones already in `base`, as inline inputs do.
      const before = result[key];
      result[key] = { ...(before?.kind === 'value' ? before : {}), kind: 'value', value: value.value, ...value.schedule };
    } else {
      const previous = result[key]?.kind === 'inline' ? (result[key] as { values: SealedInputs }).values : {};
      const sealed: SealedInputs = {};
      for (const [inputName, plaintext] of value.inputs) {
        sealed[inputName] = await vault.seal(db, owner, inlineSlot(instanceId, key, inputName), plaintext);
      }
      result[key] = { kind: 'inline', values: { ...previous, ...sealed } };
    }
  }
  return withScopedBindings(def, result);
}

/** Binds every connection config var that uses an organization's connection to it, by stable key. */
export function withScopedBindings(def: IntegrationDefinition, values: Record<string, ConfigVariableValue>): Record<string, ConfigVariableValue> {
  const result = { ...values };
  for (const configVar of def.requiredConfigVars ?? []) {
    if (configVar.dataType === 'connection' && configVar.useScopedConfigVar !== undefined) {
      result[configVar.key] = { kind: 'scoped', stableKey: configVar.useScopedConfigVar };
    }
  }
  return result;
}

/** Who holds the OAuth 2.0 tokens of an instance's inline connection: the credential id the engine records for it. */
export const inlineTokenHolderId = (instanceId: string, configVarKey: string) => `${instanceId}/${configVarKey}`;

/** Where an inline connection input of an instance is sealed; the engine opens it with the same slot. */
export const inlineSlot = (instanceId: string, configVarKey: string, inputName: string) => ({
  record: instanceId,
  field: `${configVarKey}/${inputName}`,
});
