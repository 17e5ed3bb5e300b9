import { describe, expect, it } from 'vitest';
import { durationOverBudget, loopOverBudget, stepsOverBudget } from './run-budgets';

describe('loopOverBudget', () => {
  it('allows a loop up to the budget and names loop, count and setting beyond it', () => {
    expect(loopOverBudget('Each order', 0, 5)).toBeNull();
    expect(loopOverBudget('Each order', 5, 5)).toBeNull();
    expect(loopOverBudget('Each order', 6, 5)).toBe('Loop "Each order" has 6 items, over the budget RUN_MAX_LOOP_ITERATIONS (5)');
  });
});

describe('stepsOverBudget', () => {
  it('lets the last allowed step run and stops the one after it', () => {
    expect(stepsOverBudget(0, 3)).toBeNull();
    expect(stepsOverBudget(2, 3)).toBeNull();
    expect(stepsOverBudget(3, 3)).toBe('This run has executed 3 steps, the budget RUN_MAX_STEPS (3)');
    expect(stepsOverBudget(7, 3)).toMatch(/^This run has executed 7 steps/);
  });
});

describe('durationOverBudget', () => {
  const start = new Date('2026-01-01T10:00:00Z');
  const after = (ms: number) => new Date(start.getTime() + ms);

  it('allows the run up to its budget and names the setting after it', () => {
    expect(durationOverBudget(start, start, 60_000)).toBeNull();
    expect(durationOverBudget(start, after(60_000), 60_000)).toBeNull();
    expect(durationOverBudget(start, after(60_001), 60_000)).toBe('This run has taken longer than the budget RUN_MAX_DURATION_MS (60000 ms)');
  });
});
