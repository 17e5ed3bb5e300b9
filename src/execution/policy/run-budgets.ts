/**
 * Per-run budgets (settings RUN_MAX_*): no run may take a worker for itself. Each check returns the
 * execution's error when the run is over budget, naming the budget's setting, and null otherwise.
 * Template time and output size are checked where templates render (lib/templates).
 */

/** Checked before a loop runs any iteration, so an oversized list stores nothing. */
export function loopOverBudget(loopName: string, items: number, maxLoopIterations: number): string | null {
  if (items <= maxLoopIterations) return null;
  return `Loop "${loopName}" has ${items} items, over the budget RUN_MAX_LOOP_ITERATIONS (${maxLoopIterations})`;
}

/** Checked before each step runs; `executed` counts the run's step executions so far, all claims included. */
export function stepsOverBudget(executed: number, maxSteps: number): string | null {
  if (executed < maxSteps) return null;
  return `This run has executed ${executed} steps, the budget RUN_MAX_STEPS (${maxSteps})`;
}

/** Checked before each step runs; a run resumed after a crash counts from its first start. */
export function durationOverBudget(startedAt: Date, now: Date, maxDurationMs: number): string | null {
  if (now.getTime() - startedAt.getTime() <= maxDurationMs) return null;
  return `This run has taken longer than the budget RUN_MAX_DURATION_MS (${maxDurationMs} ms)`;
}
