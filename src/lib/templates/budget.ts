import { AsyncLocalStorage } from 'node:async_hooks';
import { TEMPLATE_MAX_OUTPUT_BYTES } from './limits';

export type RenderLimits = {
  /** Total time all renders of one run may take (setting RUN_MAX_TEMPLATE_MS). */
  maxTotalMs: number;
  /** Size of one rendered template in UTF-8 bytes (setting TEMPLATE_MAX_OUTPUT_BYTES). */
  maxOutputBytes: number;
};

/** What the renders of one run have used; the engine creates one per run. */
export class RenderBudget {
  spentMs = 0;
  constructor(readonly limits: RenderLimits) {}
}

/**
 * The budget of the run being executed. Templates are rendered from many places of a step (inputs, auth,
 * request URLs); carrying the budget in async context lets every render count against its own run
 * without threading it through each call, and concurrent runs of one worker never share one.
 */
const activeBudget = new AsyncLocalStorage<RenderBudget>();

export function withRenderBudget<T>(budget: RenderBudget, work: () => Promise<T>): Promise<T> {
  return activeBudget.run(budget, work);
}

export function currentRenderBudget(): RenderBudget | undefined {
  return activeBudget.getStore();
}

/** Outside a run (checks, explanations) only the output size applies. */
export function maxOutputBytes(): number {
  return activeBudget.getStore()?.limits.maxOutputBytes ?? TEMPLATE_MAX_OUTPUT_BYTES;
}

/** Why `text` is too large to be a template's output, or null. */
export function outputOverBudget(text: string, maxBytes: number): string | null {
  // UTF-8 needs at least one byte per UTF-16 unit, so a string longer than the budget is over it without
  // measuring (measuring would first flatten a huge string built by concatenation).
  if (text.length <= maxBytes && Buffer.byteLength(text) <= maxBytes) return null;
  return `Template output is larger than the budget TEMPLATE_MAX_OUTPUT_BYTES (${maxBytes} bytes)`;
}

/** Why the run may render no more, or null. */
export function renderTimeOverBudget(spentMs: number, maxTotalMs: number): string | null {
  if (spentMs < maxTotalMs) return null;
  return `Templates of this run took longer than the budget RUN_MAX_TEMPLATE_MS (${maxTotalMs} ms)`;
}
