import type { InputFieldDefinition } from './types';

/**
 * The values a template sees for a set of input fields: the given value when there is one, otherwise the
 * field's default. Hidden fields always have a default (a parse rule), so they always get a value here.
 * Values for keys that are not fields are dropped, so templates only ever see declared inputs.
 */
export function withInputDefaults(fields: readonly InputFieldDefinition[], values: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const field of fields) {
    const value = Object.hasOwn(values, field.key) ? values[field.key] : undefined;
    const chosen = value ?? field.default;
    if (chosen !== undefined) result[field.key] = chosen;
  }
  return result;
}

/** Keys of required fields that have neither a non-empty value nor a default, in field order. */
export function missingRequiredInputs(fields: readonly InputFieldDefinition[], values: Readonly<Record<string, string | undefined>>): string[] {
  const filled = withInputDefaults(fields, values);
  return fields.filter((field) => field.required && !filled[field.key]).map((field) => field.key);
}
