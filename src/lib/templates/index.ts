import { Output, TokenKind, toValue, type Template } from 'liquidjs';
import { currentRenderBudget, maxOutputBytes, outputOverBudget, renderTimeOverBudget } from './budget';
import { liquid } from './engine';
import { TEMPLATE_RENDER_LIMIT_MS } from './limits';

export { TEMPLATE_MAX_LENGTH, TEMPLATE_MAX_OUTPUT_BYTES, TEMPLATE_MEMORY_LIMIT, TEMPLATE_RENDER_LIMIT_MS } from './limits';
export { RenderBudget, withRenderBudget, type RenderLimits } from './budget';
export { scopeReads } from './references';

/**
 * What flow templates can read (documented in docs/definition.md). Loop steps add their item
 * under the loop's `itemName` and set `loop`; those extra keys are why the index signature exists.
 */
export interface FlowTemplateScope {
  trigger: { body: unknown; query: Record<string, unknown>; headers: Record<string, unknown> };
  steps: Record<string, { results: unknown }>;
  configVars: Record<string, unknown>;
  variables: Record<string, unknown>;
  customer: { externalId: string | null; name: string } | null;
  /** The organization's env variables by name (JSON ones as data); each is also readable by its bare name. */
  env: Record<string, unknown>;
  loop?: { index: number; key: string | number };
  [itemName: string]: unknown;
}

export type TemplateScope = Record<string, unknown>;

export type TemplateParseResult = { ok: true } | { ok: false; message: string };

/** Thrown when a template fails to parse or render (syntax, limits, filter errors). */
export class TemplateError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TemplateError';
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function parseOrThrow(src: string): Template[] {
  try {
    return liquid.parse(src);
  } catch (error) {
    throw new TemplateError(errorMessage(error), { cause: error });
  }
}

/** Checks syntax, known filters and forbidden tags without rendering anything. */
export function parseTemplate(src: string): TemplateParseResult {
  try {
    liquid.parse(src);
    return { ok: true };
  } catch (error) {
    return { ok: false, message: errorMessage(error) };
  }
}

/** True when `src` contains template markup at all; plain strings skip the engine. */
export function hasTemplateMarkup(src: string): boolean {
  return src.includes('{{') || src.includes('{%');
}

/**
 * `{% increment %}`/`{% decrement %}` write into the top-level scope object LiquidJS is given; a
 * shallow copy keeps one evaluation from changing what the next one sees (tags cannot reach deeper).
 */
function isolated(scope: TemplateScope): TemplateScope {
  return { ...scope };
}

function isBlankText(template: Template): boolean {
  return template.token.kind === TokenKind.HTML && template.token.getText().trim() === '';
}

/**
 * The expression of a template that is exactly one `{{ expr }}` (surrounding whitespace
 * allowed), or null. Such templates evaluate to the expression's value instead of text.
 */
function singleOutputExpression(templates: Template[]): string | null {
  const meaningful = templates.filter((template) => !isBlankText(template));
  const only = meaningful.length === 1 ? meaningful[0] : undefined;
  if (!(only instanceof Output)) return null;
  // DelimitedToken.content is the text between the delimiters, without `-` trim markers.
  return (only.token as unknown as { content: string }).content;
}

/** True when `src` is exactly one `{{ expr }}` output tag (surrounding whitespace allowed). */
export function isSingleOutputTemplate(src: string): boolean {
  try {
    return singleOutputExpression(liquid.parse(src)) !== null;
  } catch {
    return false;
  }
}

/** Renders `src` to text. Throws TemplateError on syntax errors, render errors and limits. */
export async function renderTemplate(src: string, scope: TemplateScope): Promise<string> {
  const templates = parseOrThrow(src);
  return withinOutputBudget(String(await metered((renderLimit) => liquid.render(templates, isolated(scope), { renderLimit }))));
}

/**
 * Evaluates a template as a value: `{{ trigger.body.customers }}` yields the array itself and
 * `{{ items | size }}` a number, so steps receive lists, dictionaries and ids unchanged. A missing
 * value is null. Anything else (text around the tag, several tags, `{% %}` tags) renders to a
 * string; a string without markup is returned untouched.
 */
export async function evaluateValue(src: string, scope: TemplateScope): Promise<unknown> {
  if (!hasTemplateMarkup(src)) return src;
  const templates = parseOrThrow(src);
  const expression = singleOutputExpression(templates);
  if (expression === null) {
    return withinOutputBudget(String(await metered((renderLimit) => liquid.render(templates, isolated(scope), { renderLimit }))));
  }
  // toValue unwraps Liquid literals such as `empty`/`blank` into plain values.
  const value: unknown = toValue(await metered(() => liquid.evalValue(expression, isolated(scope))));
  if (typeof value === 'string') return withinOutputBudget(value);
  return value === undefined ? null : value;
}

/**
 * Runs one render against the run's template time budget (when in a run): the render may use at most
 * what the run has left, and its wall time is added to what the run has spent. Under concurrent runs the
 * wall time includes interleaved work of others, so the count errs on the high side.
 */
async function metered<T>(render: (renderLimitMs: number) => Promise<T>): Promise<T> {
  const budget = currentRenderBudget();
  const exhausted = () => budget && renderTimeOverBudget(budget.spentMs, budget.limits.maxTotalMs);
  const before = exhausted();
  if (before) throw new TemplateError(before);
  const left = budget ? Math.ceil(budget.limits.maxTotalMs - budget.spentMs) : TEMPLATE_RENDER_LIMIT_MS;
  const started = performance.now();
  const spend = () => {
    if (budget) budget.spentMs += performance.now() - started;
  };
  let result: T;
  try {
    result = await render(Math.min(TEMPLATE_RENDER_LIMIT_MS, left));
  } catch (error) {
    spend();
    // A render stopped by the run's remaining time reports the run's budget, not the per-render limit.
    throw new TemplateError(exhausted() || errorMessage(error), { cause: error });
  }
  spend();
  return result;
}

function withinOutputBudget(text: string): string {
  const tooLarge = outputOverBudget(text, maxOutputBytes());
  if (tooLarge) throw new TemplateError(tooLarge);
  return text;
}

/**
 * Evaluates every string leaf of a JSON value (step inputs, set-variables values) with
 * evaluateValue; keys are never templates. Returns a new value, leaving `value` untouched.
 */
export async function renderDeep(value: unknown, scope: TemplateScope): Promise<unknown> {
  if (typeof value === 'string') return evaluateValue(value, scope);
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const item of value) out.push(await renderDeep(item, scope));
    return out;
  }
  if (value !== null && typeof value === 'object') {
    const entries: [string, unknown][] = [];
    for (const [key, item] of Object.entries(value)) entries.push([key, await renderDeep(item, scope)]);
    // fromEntries defines properties, so a JSON key "__proto__" stays data, not a prototype.
    return Object.fromEntries(entries);
  }
  return value;
}

/**
 * How a branch condition's evaluated value decides. Liquid treats only false and nil as falsy,
 * but a condition with text around its tag renders to a string, so the empty string and the
 * text "false" (what a rendered false looks like) are false too.
 */
export function isTruthyCondition(value: unknown): boolean {
  if (value === false || value === null || value === undefined) return false;
  if (typeof value === 'string') {
    const text = value.trim();
    return text !== '' && text !== 'false';
  }
  return true;
}
