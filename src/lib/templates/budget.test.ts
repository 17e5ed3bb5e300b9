import { describe, expect, it } from 'vitest';
import { outputOverBudget, renderTimeOverBudget } from './budget';
import { evaluateValue, RenderBudget, renderTemplate, withRenderBudget } from './index';

describe('outputOverBudget', () => {
  it('measures UTF-8 bytes, not characters', () => {
    expect(outputOverBudget('abcd', 4)).toBeNull();
    expect(outputOverBudget('abcde', 4)).toBe('Template output is larger than the budget TEMPLATE_MAX_OUTPUT_BYTES (4 bytes)');
    // "é" is one character and two bytes.
    expect(outputOverBudget('éé', 4)).toBeNull();
    expect(outputOverBudget('ééé', 4)).not.toBeNull();
  });
});

describe('renderTimeOverBudget', () => {
  it('stops the run once it has spent its template time', () => {
    expect(renderTimeOverBudget(999.9, 1000)).toBeNull();
    expect(renderTimeOverBudget(1000, 1000)).toBe('Templates of this run took longer than the budget RUN_MAX_TEMPLATE_MS (1000 ms)');
  });
});

describe('renders inside a run budget', () => {
  const limits = { maxTotalMs: 60_000, maxOutputBytes: 1_000 };

  it("refuses output over the run's size budget, rendered text and string values alike", async () => {
    const budget = new RenderBudget(limits);
    const big = '{% for i in (1..200) %}xxxxxxxxxx{% endfor %}';
    await expect(withRenderBudget(budget, () => renderTemplate(big, {}))).rejects.toThrow('TEMPLATE_MAX_OUTPUT_BYTES (1000 bytes)');
    await expect(withRenderBudget(budget, () => evaluateValue("{{ 'x' | append: long }}", { long: 'y'.repeat(1_000) }))).rejects.toThrow(
      'TEMPLATE_MAX_OUTPUT_BYTES (1000 bytes)',
    );
    expect(await withRenderBudget(budget, () => renderTemplate('{% for i in (1..10) %}x{% endfor %}', {}))).toBe('x'.repeat(10));
  });

  it("adds every render's time to the run and stops rendering once the run has spent its budget", async () => {
    const budget = new RenderBudget({ ...limits, maxTotalMs: 150 });
    const slow = '{% for i in (1..3000) %}{% for j in (1..3000) %}{{ j }}{% endfor %}{% endfor %}';
    // One render is cut at what the run has left (150 ms), not at the 1 s per-render limit.
    const started = performance.now();
    await expect(withRenderBudget(budget, () => renderTemplate(slow, {}))).rejects.toThrow('RUN_MAX_TEMPLATE_MS (150 ms)');
    expect(performance.now() - started).toBeLessThan(900);
    expect(budget.spentMs).toBeGreaterThanOrEqual(150);
    await expect(withRenderBudget(budget, () => evaluateValue('{{ a }}', { a: 1 }))).rejects.toThrow('RUN_MAX_TEMPLATE_MS (150 ms)');
  });

  it('keeps the default output budget outside a run', async () => {
    await expect(renderTemplate('{% for i in (1..11) %}{{ s }}{% endfor %}', { s: 'z'.repeat(100_000) })).rejects.toThrow(
      'TEMPLATE_MAX_OUTPUT_BYTES (1048576 bytes)',
    );
  });
});
