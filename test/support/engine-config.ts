import { defaultRunBudgets, type EngineConfig } from '../../src/config';

/** Short leases and retry delays keep engine tests fast; the rules are the same as in production. */
export const testEngineConfig: EngineConfig = {
  workerConcurrency: 4,
  leaseMs: 2_000,
  stepTimeoutMs: 5_000,
  stepMaxAttempts: 4,
  stepRetryBaseMs: 20,
  schedulerIntervalMs: 3_600_000,
  maxStoredOutputBytes: 256 * 1024,
  budgets: defaultRunBudgets,
};
