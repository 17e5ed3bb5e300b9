import { defaultRunBudgets, type EngineConfig } from '../../src/config';

/** Short leases and retry delays keep engine tests fast; the rules are the same as in production. */
export const testEngineConfig: EngineConfig = {
  workerConcurrency: 4,
  leaseMs: 2_000,
  // Below the lease, as the configuration requires (leaseProblem in src/config.ts).
  stepTimeoutMs: 1_500,
  shutdownDrainMs: 2_000,
  stepMaxAttempts: 4,
  stepRetryBaseMs: 20,
  schedulerIntervalMs: 3_600_000,
  maxStoredOutputBytes: 256 * 1024,
  budgets: defaultRunBudgets,
  // The fakes listen on loopback, which the egress policy refuses by default: admitted here, never switched off.
  egressAllow: ['127.0.0.1', 'localhost', '::1'],
  maxResponseBytes: 10 * 1024 * 1024,
  authenticationWaitMs: 7 * 24 * 60 * 60_000,
  // Short backoff so recovery tests wait milliseconds; proactive refresh off unless a test turns it on.
  oauth2: { backoffBaseMs: 300, backoffMaxMs: 2_000, proactiveWindowMs: 0, proactiveIntervalMs: 3_600_000, proactiveBatch: 20 },
};
