import { formatPath, type ActionDefinition, type InputFieldDefinition, type JsonValue } from '../components';
import type { DefinitionError } from './definition';

// Single-line values: a literal list or mapping there is a mistake. TEXT and CODE inputs (a request body)
// may carry JSON values on purpose, so they are not checked.
const SCALAR_TYPES = new Set(['STRING', 'PASSWORD', 'DATE', 'TIMESTAMP']);

/**
 * A step's `inputs` against the inputs its action declares: no unknown key (a misspelling would send
 * nothing upstream), every required input without a default given, and literal values of the declared
 * type. A value with a `{{ }}` template is only known at run time, so only literals are type-checked.
 */
export function stepInputProblems(
  inputs: Readonly<Record<string, JsonValue>> | undefined,
  action: ActionDefinition,
  actionName: string,
  stepPath: readonly (string | number)[],
): DefinitionError[] {
  const errors: DefinitionError[] = [];
  const given = inputs ?? {};
  const fields = new Map(action.inputs.map((field) => [field.key, field]));
  const at = (key: string) => formatPath([...stepPath, 'inputs', key]);
  for (const [key, value] of Object.entries(given)) {
    const field = fields.get(key);
    if (!field) {
      const known = action.inputs.map((input) => input.key).join(', ') || 'none';
      errors.push({ path: at(key), message: `"${key}" is not an input of action "${actionName}"; its inputs: ${known}` });
    } else {
      const problem = typeProblem(field, value);
      if (problem) errors.push({ path: at(key), message: problem });
    }
  }
  for (const field of action.inputs) {
    if (field.required && field.default === undefined && isEmpty(given[field.key])) {
      errors.push({ path: at(field.key), message: `is required by action "${actionName}" (${field.label})` });
    }
  }
  return errors;
}

const isEmpty = (value: JsonValue | undefined) => value === undefined || value === null || value === '';

function typeProblem(field: InputFieldDefinition, value: JsonValue): string | null {
  if (typeof value === 'string' && value.includes('{{')) return null;
  if (field.type === 'BOOLEAN') {
    return typeof value === 'boolean' || value === 'true' || value === 'false' ? null : `must be true or false (a ${field.type} input)`;
  }
  if (SCALAR_TYPES.has(field.type) && value !== null && typeof value === 'object') {
    return `must be text, not ${Array.isArray(value) ? 'a list' : 'a mapping'} (a ${field.type} input)`;
  }
  return null;
}
