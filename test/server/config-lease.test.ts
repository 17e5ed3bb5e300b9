import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config';

describe('EXECUTION_LEASE_MS against STEP_TIMEOUT_MS', () => {
  it.each([
    ['10000', '10000'],
    ['5000', '30000'],
  ])('refuses a lease of %s ms with a step timeout of %s ms, naming both variables', (lease, timeout) => {
    let error: unknown;
    try {
      loadConfig({ EXECUTION_LEASE_MS: lease, STEP_TIMEOUT_MS: timeout });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const [problem] = (error as ConfigError).problems;
    expect(problem).toContain(`EXECUTION_LEASE_MS (${lease})`);
    expect(problem).toContain(`STEP_TIMEOUT_MS (${timeout})`);
  });

  it('accepts a lease longer than the step timeout, and the defaults', () => {
    expect(loadConfig({ EXECUTION_LEASE_MS: '4000', STEP_TIMEOUT_MS: '3900' }).engine).toMatchObject({ leaseMs: 4000, stepTimeoutMs: 3900 });
    const defaults = loadConfig({}).engine;
    expect(defaults.leaseMs).toBeGreaterThan(defaults.stepTimeoutMs);
    expect(defaults.shutdownDrainMs).toBe(10_000);
  });
});
