import { describe, expect, it } from 'vitest';
import { isIterationRecord, loopOutcomeWarning, type IterationOutcome } from './loop-outcomes';

describe('isIterationRecord', () => {
  it("tells a loop's per-iteration record from step executions", () => {
    expect(isIterationRecord({ stepName: 'Each', iteration: 'Each[3]/' })).toBe(true);
    expect(isIterationRecord({ stepName: 'Inner', iteration: 'Each[0]/Inner[12]/' })).toBe(true);
    expect(isIterationRecord({ stepName: 'Each', iteration: '' })).toBe(false);
    expect(isIterationRecord({ stepName: 'Call', iteration: 'Each[3]/' })).toBe(false);
    expect(isIterationRecord({ stepName: 'Each', iteration: 'Each[0]/Call[1]/' })).toBe(false);
    expect(isIterationRecord({ stepName: 'ach', iteration: 'Each[3]/' })).toBe(false);
  });
});

describe('loopOutcomeWarning', () => {
  const outcome = (index: number, status: IterationOutcome['status']): IterationOutcome => ({ index, key: `k${index}`, status, output: null });

  it('is null when every iteration succeeded', () => {
    expect(loopOutcomeWarning('Each', [outcome(0, 'SUCCEEDED')])).toBeNull();
  });

  it('names the failed keys, at most 20', () => {
    expect(loopOutcomeWarning('Each', [outcome(0, 'SUCCEEDED'), outcome(1, 'FAILED')])).toBe(
      'Loop "Each": 1 of 2 iterations failed and were continued (onError: continue): "k1"',
    );
    const many = Array.from({ length: 25 }, (_, i) => outcome(i, 'FAILED'));
    expect(loopOutcomeWarning('Each', many)).toMatch(/: 25 of 25 iterations .*"k19" and 5 more$/);
  });
});
