/** One pass of a loop's body, as the loop's result lists it and its step result per iteration stores it. */
export type IterationOutcome = {
  index: number;
  /** The dictionary key, or the index for a list. */
  key: string | number;
  status: 'SUCCEEDED' | 'FAILED';
  error?: string;
  /** The last body step's result; null for a failed iteration. */
  output: unknown;
};

/** How many failed keys a warning names before it says "and N more". */
const NAMED_KEYS = 20;

/**
 * The warning of a loop whose failed iterations were continued (`onError: continue`), naming their keys;
 * null when every iteration succeeded.
 */
export function loopOutcomeWarning(loopName: string, outcomes: readonly IterationOutcome[]): string | null {
  const failed = outcomes.filter((outcome) => outcome.status === 'FAILED');
  if (failed.length === 0) return null;
  const named = failed.slice(0, NAMED_KEYS).map((outcome) => JSON.stringify(outcome.key));
  const more = failed.length > NAMED_KEYS ? ` and ${failed.length - NAMED_KEYS} more` : '';
  return `Loop "${loopName}": ${failed.length} of ${outcomes.length} iterations failed and were continued (onError: continue): ${named.join(', ')}${more}`;
}

/**
 * A loop's record of one iteration (iteration `…Loop[3]/` of step `Loop`) rather than a step execution:
 * the step budget does not count it.
 */
export function isIterationRecord(row: { stepName: string; iteration: string }): boolean {
  const prefix = `${row.stepName}[`;
  const start = row.iteration.lastIndexOf(prefix);
  return start >= 0 && (start === 0 || row.iteration[start - 1] === '/') && /^\d+\]\/$/.test(row.iteration.slice(start + prefix.length));
}
