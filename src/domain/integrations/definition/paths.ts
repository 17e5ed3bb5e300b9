import type { z } from 'zod';
import type { DefinitionError } from './types';

export type PathSegment = string | number;

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * `['flows', 0, 'steps', 2, 'inputs', 'url']` → `flows[0].steps[2].inputs.url`. Keys that are not
 * identifiers are quoted (`inputs["Content-Type"]`) so every path names exactly one place.
 * The empty path is the whole document: `definition`.
 */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (typeof segment === 'string' && PLAIN_KEY.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(String(segment))}]`;
  }
  return out === '' ? 'definition' : out;
}

const TYPE_NAMES: Record<string, string> = {
  object: 'a mapping',
  record: 'a mapping',
  array: 'a list',
  string: 'a string',
  number: 'a number',
  boolean: 'true or false',
};

/**
 * Per-parse zod messages written for definition authors ("is required", "must be a list") rather
 * than zod's defaults. Schema-level messages (slugs, names) take precedence over these.
 */
export function definitionIssueMessage(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is required';
      return `must be ${TYPE_NAMES[issue.expected] ?? issue.expected}`;
    case 'too_small':
      if (issue.minimum === 1 || issue.minimum === 1n) return 'must not be empty';
      return `must have at least ${String(issue.minimum)} ${issue.origin === 'string' ? 'characters' : 'items'}`;
    case 'too_big':
      return `must have at most ${String(issue.maximum)} ${issue.origin === 'string' ? 'characters' : 'items'}`;
    case 'invalid_value':
      return `must be one of: ${issue.values.map(String).join(', ')}`;
    case 'invalid_union': {
      if (!issue.discriminator) return undefined;
      const options = ((issue.options as unknown[] | undefined) ?? []).map(String).join(', ');
      const input = issue.input as Record<string, unknown> | undefined;
      return input?.[issue.discriminator] === undefined ? `is required: one of ${options}` : `must be one of: ${options}`;
    }
    default:
      return undefined;
  }
}

/** Flattens zod issues into definition errors; an unknown field gets its own path. */
export function zodIssuesToErrors(issues: readonly z.core.$ZodIssue[]): DefinitionError[] {
  const errors: DefinitionError[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) errors.push({ path: formatPath([...issue.path, key]), message: 'is not a known field' });
    } else {
      errors.push({ path: formatPath(issue.path), message: issue.message });
    }
  }
  return errors;
}
