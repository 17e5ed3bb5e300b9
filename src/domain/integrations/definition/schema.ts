import { z } from 'zod';
import { USER_AUTH_POLICIES } from '../../user-authentications/settings';
import type { JsonValue, Step } from './types';

/**
 * Shapes only: types, required fields, key formats, unknown fields. Rules that look across the
 * document (uniqueness, references, cron, time zones, templates) live in rules.ts so they can
 * report their own paths after the shape is known to be right.
 */

/** Stable keys: lowercase slugs (UUIDs qualify), compared exactly across tenants. */
export const STABLE_KEY_PATTERN = /^[a-z0-9]+(?:[-_][a-z0-9]+)*$/;
export const STABLE_KEY_MAX_LENGTH = 100;
/** Component, action and connection keys as the catalog spells them (Prismatic uses camelCase too). */
export const COMPONENT_KEY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
/** Names templates use as plain identifiers: loop `itemName`, `variables.<key>`. */
export const IDENTIFIER_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const NAME_MAX_LENGTH = 200;

const stableKey = z
  .string()
  .max(STABLE_KEY_MAX_LENGTH)
  .regex(STABLE_KEY_PATTERN, { error: 'must be a slug: lowercase letters and digits, words joined by - or _' });

const componentKey = z
  .string()
  .max(STABLE_KEY_MAX_LENGTH)
  .regex(COMPONENT_KEY_PATTERN, { error: 'must be a key: letters, digits, ., _ and -, starting with a letter or digit' });

/** Names are how steps and config vars are referenced, so stray whitespace would be a trap. */
const name = z
  .string()
  .min(1)
  .max(NAME_MAX_LENGTH)
  .refine((value) => value.trim() === value, { error: 'must not start or end with whitespace' });

const description = z.string().max(10_000);

/** Template source; rules.ts checks that it parses. */
const template = z.string();

function isJsonValue(value: unknown): value is JsonValue {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every(isJsonValue);
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.values(value).every(isJsonValue);
  }
  return false;
}

const jsonValue = z.custom<JsonValue>(isJsonValue, {
  error: 'must be JSON data: strings, finite numbers, booleans, null, lists and mappings',
});
const jsonRecord = z.record(z.string(), jsonValue);

/** Prismatic stores default values as text; accept a bare YAML number or boolean as its text. */
const defaultValue = z.preprocess((value) => (typeof value === 'number' || typeof value === 'boolean' ? String(value) : value), z.string());

const componentRef = z.strictObject({ component: componentKey, key: componentKey });

/** Seed 002's settings, as on a reusable connection; the policy in upper or lower case. */
const userAuthenticationSchema = z.strictObject({
  enabled: z.boolean().default(false),
  nonInteractivePolicy: z
    .preprocess((value) => (typeof value === 'string' ? value.trim().toUpperCase() : value), z.enum(USER_AUTH_POLICIES))
    .default('FALLBACK_TO_CONNECTOR_USER'),
});

const configVarBase = { key: name, stableKey: stableKey.optional(), description: description.optional() };

const configVarSchema = z.discriminatedUnion('dataType', [
  z.strictObject({
    ...configVarBase,
    dataType: z.enum(['string', 'number', 'boolean', 'json']),
    defaultValue: defaultValue.optional(),
  }),
  z.strictObject({
    ...configVarBase,
    dataType: z.literal('schedule'),
    defaultValue: defaultValue.optional(),
    timeZone: z.string().optional(),
  }),
  z.strictObject({
    ...configVarBase,
    dataType: z.literal('connection'),
    useScopedConfigVar: stableKey.optional(),
    connection: componentRef.optional(),
    userAuthentication: userAuthenticationSchema.optional(),
  }),
]);

/** Beyond this a fan-out's limits stop meaning anything on one database; a typo like 10000 is caught. */
export const FAN_OUT_MAX_CONCURRENCY = 1000;
/** A fan-out without `maxConcurrency` runs this many children at once: gentle on the customers' APIs and on the workers. */
export const FAN_OUT_DEFAULT_MAX_CONCURRENCY = 10;
const concurrency = z
  .number()
  .int({ error: 'must be a whole number' })
  .min(1, { error: 'must be at least 1' })
  .max(FAN_OUT_MAX_CONCURRENCY, { error: `must be at most ${FAN_OUT_MAX_CONCURRENCY}` });

/**
 * `fanOut: customers` is the shorthand; stored in the long form so readers see one shape. Any other
 * word is read as a target, so `fanOut: instances` is told which targets exist.
 */
const fanOutSchema = z.preprocess(
  (value) => (typeof value === 'string' ? { to: value } : value),
  z.strictObject({
    to: z.literal('customers', { error: 'must be "customers" (the only fan-out target)' }),
    labels: z.array(z.string().min(1)).optional(),
    maxConcurrency: concurrency.optional(),
    maxConcurrencyPerHost: concurrency.optional(),
  }),
);

const triggerSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('webhook'), synchronous: z.boolean().optional() }),
  z.strictObject({
    type: z.literal('schedule'),
    cron: z.string().optional(),
    configVar: z.string().optional(),
    timeZone: z.string().optional(),
    fanOut: fanOutSchema.optional(),
  }),
  z.strictObject({ type: z.literal('api'), fanOut: fanOutSchema.optional() }),
]);

const stepBase = { name, stableKey: stableKey.optional(), description: description.optional() };

/** `type` may be omitted on action steps, as in Prismatic definitions. */
function defaultStepType(value: unknown): unknown {
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && !('type' in value) && 'action' in value) {
    return { type: 'action', ...value };
  }
  return value;
}

const stepSchema: z.ZodType<Step> = z.lazy(() =>
  z.preprocess(defaultStepType, z.discriminatedUnion('type', [actionStepSchema, loopStepSchema, setVariablesStepSchema, branchStepSchema])),
);
const stepList = z.array(stepSchema);

const actionStepSchema = z.strictObject({
  ...stepBase,
  type: z.literal('action'),
  action: componentRef,
  connection: z.string().optional(),
  auth: template.optional(),
  inputs: jsonRecord.optional(),
  onError: z.enum(['continue', 'fail']).optional(),
});

const loopStepSchema = z.strictObject({
  ...stepBase,
  type: z.literal('loop'),
  items: template,
  itemName: z.string(),
  onError: z.enum(['continue', 'fail']).optional(),
  steps: stepList.min(1),
});

const setVariablesStepSchema = z.strictObject({
  ...stepBase,
  type: z.literal('set-variables'),
  variables: jsonRecord,
});

const branchStepSchema = z.strictObject({
  ...stepBase,
  type: z.literal('branch'),
  branches: z.array(z.strictObject({ name, condition: template.min(1), steps: stepList })).min(1),
  else: stepList.optional(),
});

const flowSchema = z.strictObject({
  name,
  stableKey,
  description: description.optional(),
  trigger: triggerSchema,
  steps: stepList.min(1),
});

export const integrationDefinitionSchema = z.strictObject({
  name,
  description: description.optional(),
  stableKey: stableKey.optional(),
  requiredConfigVars: z.array(configVarSchema).optional(),
  flows: z.array(flowSchema).min(1),
});
