import type { JsonValue } from '../definition';
import { ACCESSORS, TRIGGER_PARTS } from './names';

/**
 * tenantflow input values as Prismatic inputs: the inverse of import-inputs.ts for what Prismatic can say
 * (text, references, config variables, templates made of those, lists and mappings). A Liquid filter or
 * tag has no Prismatic form, so it is an error naming the input rather than a silently different flow.
 */

export type PrismaticInput = { name?: string; type: 'value' | 'reference' | 'configVar' | 'template' | 'complex'; value: string | PrismaticInput[] };

/** What the expressions of an exported flow can name. */
export type ExportScope = {
  triggerKey: string;
  /** Step name → Prismatic step key. */
  stepKeys: ReadonlyMap<string, string>;
  /** Enclosing loops, outermost first. */
  loops: readonly { key: string; itemName: string }[];
};

type Reference = { type: 'reference' | 'configVar'; value: string };

const NAME_IN_BRACKETS = /^\[(?:'([^'\\]*)'|"([^"\\]*)")\]/;

/** A Liquid expression that is only a path (`steps['X'].results.a`) as a Prismatic reference or config variable. */
export function expressionToReference(expression: string, scope: ExportScope): Reference | null {
  const configVar = /^configVars(?:\.([A-Za-z_]\w*)|\[(?:'([^'\\]*)'|"([^"\\]*)")\])$/.exec(expression);
  if (configVar) return { type: 'configVar', value: (configVar[1] ?? configVar[2] ?? configVar[3])! };
  const reference = (value: string, rest: string): Reference | null => (ACCESSORS.test(rest) ? { type: 'reference', value: value + rest } : null);
  if (expression.startsWith('steps[')) {
    const name = NAME_IN_BRACKETS.exec(expression.slice('steps'.length));
    if (!name) return null;
    const key = scope.stepKeys.get((name[1] ?? name[2])!);
    const rest = expression.slice('steps'.length + name[0].length);
    if (key === undefined || !(rest === '.results' || rest.startsWith('.results.') || rest.startsWith('.results['))) return null;
    return reference(key, rest);
  }
  for (const part of TRIGGER_PARTS) {
    const root = `trigger.${part.tenantflow}`;
    if (expression === root || expression.startsWith(root + '.') || expression.startsWith(root + '[')) {
      return reference(scope.triggerKey + part.prismatic, expression.slice(root.length));
    }
  }
  const innermost = scope.loops.at(-1);
  if (expression === 'loop.index' && innermost) return { type: 'reference', value: `${innermost.key}.index` };
  for (const loop of scope.loops) {
    if (expression === loop.itemName || expression.startsWith(loop.itemName + '.') || expression.startsWith(loop.itemName + '[')) {
      return reference(`${loop.key}.currentItem`, expression.slice(loop.itemName.length));
    }
  }
  return null;
}

const RAW = /^\{% raw %\}([\s\S]*)\{% endraw %\}$/;
const TAG = /\{\{\s*([\s\S]*?)\s*\}\}/g;

/** One input value; a message naming what cannot be written when there is no Prismatic form. */
export function exportInput(value: JsonValue, scope: ExportScope): PrismaticInput | { error: string } {
  if (Array.isArray(value))
    return complex(
      value.map((item) => [undefined, item] as const),
      scope,
    );
  if (value !== null && typeof value === 'object') return complex(Object.entries(value), scope);
  if (typeof value !== 'string') return { type: 'value', value: value === null ? '' : String(value) };
  const raw = RAW.exec(value);
  if (raw && !/\{%/.test(raw[1]!)) return { type: 'value', value: raw[1]! };
  if (!/\{\{|\{%/.test(value)) return { type: 'value', value };
  const single = /^\s*\{\{\s*([\s\S]*?)\s*\}\}\s*$/.exec(value);
  if (single && !single[1]!.includes('}}')) {
    const reference = expressionToReference(single[1]!, scope);
    if (reference) return reference;
  }
  const unsupported = `"${value}" has no Prismatic form: only text, references (steps['X'].results…, trigger.body…, loop items) and configVars['X'] can be exported`;
  if (/\{%/.test(value)) return { error: unsupported };
  let failed = false;
  const template = value.replace(TAG, (_whole, expression: string) => {
    const reference = expressionToReference(expression, scope);
    if (!reference) failed = true;
    return reference?.type === 'configVar' ? `{{#${reference.value}}}` : `{{$${reference?.value ?? ''}}}`;
  });
  return failed ? { error: unsupported } : { type: 'template', value: template };
}

function complex(entries: readonly (readonly [string | undefined, JsonValue])[], scope: ExportScope): PrismaticInput | { error: string } {
  const items: PrismaticInput[] = [];
  for (const [name, item] of entries) {
    const converted = exportInput(item, scope);
    if ('error' in converted) return converted;
    items.push(name === undefined ? converted : { name, ...converted });
  }
  return { type: 'complex', value: items };
}
