import type { JsonValue } from '../definition';
import { formatPath, type PathSegment } from '../definition/paths';
import { ACCESSORS, TRIGGER_PARTS } from './names';

/**
 * Prismatic step inputs (`{ type: value|reference|configVar|template|complex, value }`) as tenantflow input
 * values: JSON whose string leaves are Liquid templates. A reference becomes one `{{ expression }}`, so it
 * passes the referenced value itself, as in Prismatic.
 */

/** What references can name: the trigger, the flow's steps by key, and the loops around the input. */
export type ReferenceScope = {
  triggerKey: string;
  /** Step key (camelCase name) → step name. */
  steps: ReadonlyMap<string, string>;
  /** Enclosing loops, outermost first. */
  loops: readonly { key: string; itemName: string }[];
};

export type Problem = { path: string; message: string };
export type Converted = { ok: true; value: JsonValue } | { ok: false; problems: Problem[] };

const isRecord = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);
const quote = (name: string) => (name.includes("'") ? JSON.stringify(name) : `'${name}'`);

/** `getTickets.results.body` → `steps['Get tickets'].results.body`; an error message when it names nothing. */
export function referenceToExpression(reference: string, scope: ReferenceScope): { expression: string } | { error: string } {
  const match = /^([A-Za-z_$][A-Za-z0-9_$]*)(.*)$/s.exec(reference.trim());
  if (!match || !ACCESSORS.test(match[2]!)) return { error: `"${reference}" is not a reference like stepKey.results.field` };
  const [, head, rest] = match as unknown as [string, string, string];
  if (head === scope.triggerKey) {
    for (const part of TRIGGER_PARTS) {
      if (rest === part.prismatic || rest.startsWith(part.prismatic + '.') || rest.startsWith(part.prismatic + '[')) {
        return { expression: `trigger.${part.tenantflow}${rest.slice(part.prismatic.length)}` };
      }
    }
    const parts = TRIGGER_PARTS.map((part) => head + part.prismatic).join(', ');
    return { error: `"${reference}": tenantflow triggers give ${parts}` };
  }
  const loop = scope.loops.find((candidate) => candidate.key === head);
  if (loop) {
    if (rest === '.currentItem' || rest.startsWith('.currentItem.') || rest.startsWith('.currentItem[')) {
      return { expression: loop.itemName + rest.slice('.currentItem'.length) };
    }
    if (rest === '.index' && loop === scope.loops.at(-1)) return { expression: 'loop.index' };
    return { error: `"${reference}": a loop gives ${head}.currentItem (and ${head}.index inside its innermost body)` };
  }
  const name = scope.steps.get(head);
  if (name === undefined) return { error: `"${head}" is not the key of a step of this flow (a step's key is its name in camelCase)` };
  if (rest !== '.results' && !rest.startsWith('.results.') && !rest.startsWith('.results[')) {
    return { error: `"${reference}": a step gives ${head}.results` };
  }
  return { expression: `steps[${quote(name)}]${rest}` };
}

/** A literal: used as is, or kept from Liquid when it looks like a template. */
function literal(value: JsonValue): JsonValue {
  if (typeof value !== 'string' || !/\{\{|\{%/.test(value)) return value;
  return `{% raw %}${value}{% endraw %}`;
}

/** `{{$stepKey.results.field}}` (a reference) and `{{#Config var}}` (a config variable's value) in a template. */
const TEMPLATE_TOKEN = /\{\{\s*([$#])([^}]*?)\s*\}\}/g;

/** `https://x/{{$getTickets.results.id}}?k={{#Api key}}` → Liquid with the same references. */
function templateToLiquid(template: string, scope: ReferenceScope): { text: string } | { error: string } {
  if (/\{\{|\{%/.test(template.replace(TEMPLATE_TOKEN, ''))) {
    return { error: 'a template may only contain text, {{$stepKey.results…}} references and {{#Config var}} values' };
  }
  let error: string | null = null;
  const text = template.replace(TEMPLATE_TOKEN, (_whole, sigil: string, body: string) => {
    if (sigil === '#') return `{{ configVars[${quote(body)}] }}`;
    const converted = referenceToExpression(body, scope);
    if ('error' in converted) {
      error ??= converted.error;
      return '';
    }
    return `{{ ${converted.expression} }}`;
  });
  return error === null ? { text } : { error };
}

function nameOf(name: unknown, path: PathSegment[], scope: ReferenceScope): { key: string } | { problems: Problem[] } {
  if (typeof name === 'string') return { key: name };
  const converted = convertInput(name, path, scope);
  if (!converted.ok) return { problems: converted.problems };
  if (typeof converted.value !== 'string' || /\{\{|\{%/.test(converted.value)) {
    return { problems: [{ path: formatPath(path), message: 'must be a text value: tenantflow input keys are fixed' }] };
  }
  return { key: converted.value };
}

/** One Prismatic input (at `path`) as a tenantflow input value. */
export function convertInput(input: unknown, path: PathSegment[], scope: ReferenceScope): Converted {
  const fail = (message: string, at: PathSegment[] = path): Converted => ({ ok: false, problems: [{ path: formatPath(at), message }] });
  if (!isRecord(input)) return fail('must be an input: { type, value }');
  const { type, value } = input;
  switch (type) {
    case 'value':
      if (value === undefined || isRecord(value) || Array.isArray(value)) return fail('must be text', [...path, 'value']);
      return { ok: true, value: literal(value as JsonValue) };
    case 'configVar':
      if (typeof value !== 'string') return fail('must be the key of a config variable', [...path, 'value']);
      return { ok: true, value: `{{ configVars[${quote(value)}] }}` };
    case 'reference': {
      if (typeof value !== 'string') return fail('must be a reference like stepKey.results.field', [...path, 'value']);
      const converted = referenceToExpression(value, scope);
      return 'error' in converted ? fail(converted.error, [...path, 'value']) : { ok: true, value: `{{ ${converted.expression} }}` };
    }
    case 'template': {
      if (typeof value !== 'string') return fail('must be a template', [...path, 'value']);
      const converted = templateToLiquid(value, scope);
      return 'error' in converted ? fail(converted.error, [...path, 'value']) : { ok: true, value: converted.text };
    }
    case 'complex':
      return convertComplex(value, [...path, 'value'], scope);
    default:
      return fail('must be one of: value, reference, configVar, template, complex', [...path, 'type']);
  }
}

/** A list of inputs: a mapping when every item is named (a key-value list), else a list. */
function convertComplex(items: unknown, path: PathSegment[], scope: ReferenceScope): Converted {
  if (!Array.isArray(items)) return { ok: false, problems: [{ path: formatPath(path), message: 'must be a list of inputs' }] };
  const problems: Problem[] = [];
  const named = items.length > 0 && items.every((item) => isRecord(item) && item.name !== undefined && item.name !== null);
  const list: JsonValue[] = [];
  const mapping: Record<string, JsonValue> = {};
  for (const [index, item] of items.entries()) {
    const converted = convertInput(item, [...path, index], scope);
    if (!converted.ok) {
      problems.push(...converted.problems);
      continue;
    }
    if (!named) {
      list.push(converted.value);
      continue;
    }
    const key = nameOf((item as Record<string, unknown>).name, [...path, index, 'name'], scope);
    if ('problems' in key) problems.push(...key.problems);
    else mapping[key.key] = converted.value;
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, value: named ? mapping : list };
}
