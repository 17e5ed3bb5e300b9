import type { ConnectionDefinition, InputFieldDefinition } from '../components';
import type { FieldErrors } from '../errors';

/** Prismatic's InputExpression: `{ name, type: "value", value, meta }`; only literal values are stored. */
export type InputExpression = { name: string; type?: string | null; value?: string | null; meta?: string | null };

export type InputScope = 'org' | 'customer';

export const isSecret = (field: InputFieldDefinition) => field.type === 'PASSWORD';

export function inputNamed(connection: ConnectionDefinition, name: string) {
  return connection.inputs.find((input) => input.key === name);
}

function valueProblem(field: InputFieldDefinition, value: string): string | null {
  if (field.type === 'BOOLEAN' && value !== 'true' && value !== 'false') return `"${field.key}" is a boolean input: use "true" or "false".`;
  if (value.length > 10_000) return `"${field.key}" must be at most 10000 characters.`;
  return null;
}

/**
 * Checks a list of expressions against a connection and returns the literal values by input name.
 * `allowed` says which inputs may be given here; every problem is added to `errors` under `field`.
 */
export function checkExpressions(
  expressions: readonly InputExpression[],
  connection: ConnectionDefinition,
  errors: FieldErrors,
  opts: { field: string; allowed: (input: InputFieldDefinition) => string | null },
): Map<string, { field: InputFieldDefinition; value: string; meta: Record<string, unknown> }> {
  const values = new Map<string, { field: InputFieldDefinition; value: string; meta: Record<string, unknown> }>();
  for (const expression of expressions) {
    const input = inputNamed(connection, expression.name);
    if (!input) {
      errors.add(opts.field, `Unknown input "${expression.name}"; connection "${connection.key}" has: ${connection.inputs.map((i) => i.key).join(', ')}.`);
      continue;
    }
    if (values.has(input.key)) {
      errors.add(opts.field, `Input "${input.key}" is given more than once.`);
      continue;
    }
    const type = (expression.type ?? 'value').toLowerCase();
    if (type !== 'value') {
      errors.add(opts.field, `Input "${input.key}" has type "${expression.type}"; only literal values (type "value") can be stored.`);
      continue;
    }
    const meta = parseMeta(expression.meta);
    if (meta === null) {
      errors.add(opts.field, `Input "${input.key}" has a meta that is not a JSON object.`);
      continue;
    }
    const notAllowed = opts.allowed(input);
    if (notAllowed) {
      errors.add(opts.field, notAllowed);
      continue;
    }
    // A null value names the input without setting it (how UIs send untouched fields).
    if (expression.value == null) continue;
    const problem = valueProblem(input, expression.value);
    if (problem) errors.add(opts.field, problem);
    else values.set(input.key, { field: input, value: expression.value, meta });
  }
  return values;
}

function parseMeta(meta: string | null | undefined): Record<string, unknown> | null {
  if (meta == null || meta === '') return {};
  try {
    const parsed: unknown = JSON.parse(meta);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Prismatic sends enum-like strings in lowercase, sometimes upper: both are accepted. */
export function caseFold<T extends string>(value: string | null | undefined, allowed: readonly T[]): T | null {
  const folded = value?.toLowerCase();
  return (allowed as readonly string[]).includes(folded ?? '') ? (folded as T) : null;
}
