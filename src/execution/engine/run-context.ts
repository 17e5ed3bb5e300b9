import type { customers, instances, stepResults } from '../../db/tables';
import { systemActor, type Actor } from '../../domain/actor';
import type { Flow, IntegrationDefinition } from '../../domain/integrations/definition';
import type { Execution } from '../../domain/executions/start-execution';
import { KnownSecrets } from '../secrets/known-secrets';
import type { RunRows } from './lease';
import type { RunCredentialRows } from '../credentials/run-credentials';
import { noPendingWrites, type PendingWrites } from './step-record';

export type Instance = typeof instances.$inferSelect;
export type Customer = typeof customers.$inferSelect;
export type StepResult = typeof stepResults.$inferSelect;

/** Everything one run needs, loaded once when the execution is claimed. */
export type RunContext = {
  execution: Execution;
  actor: Actor;
  definition: IntegrationDefinition;
  flow: Flow;
  instance: Instance | null;
  /** A test run's test (system) instance: its values stand in for an instance's (credential rule 4). */
  testInstance: Instance | null;
  customer: Customer | null;
  /** Results of steps finished by earlier claims, by `${stepName}\u0000${iteration}`: they are not run again. */
  finished: Map<string, StepResult>;
  /** The credential rows read with the claim (credentials/run-credentials.ts). */
  credentials: RunCredentialRows;
  /** Step results and log lines not yet written (step-record.ts). */
  pending: PendingWrites;
  /** Secrets this run has used; everything derived from the run is redacted with them before it is stored. */
  secrets: KnownSecrets;
  /** The size budget of a stored step output or execution result (EngineConfig.maxStoredOutputBytes). */
  maxStoredOutputBytes: number;
  /** For a child of a fan-out with `maxConcurrencyPerHost`: its connector requests take a host slot first. */
  hostLimit: { parentExecutionId: string; maxPerHost: number } | null;
};

/** The run cannot start (its integration or flow is gone): the message is for the customer and the vendor. */
export class RunUnavailable extends Error {}

export const finishedKey = (stepName: string, iteration: string) => `${stepName}\u0000${iteration}`;

/** The run's context from the rows its claim read (lease.ts `claimExecution`); reads nothing more. */
export function runContextOf(execution: Execution, rows: RunRows, opts: { maxStoredOutputBytes: number; secrets?: KnownSecrets }): RunContext {
  const { definition } = rows;
  if (!definition) throw new RunUnavailable(`the integration of execution ${execution.id} no longer exists`);
  const flow = definition.flows.find((f) => f.stableKey === execution.flowStableKey);
  if (!flow) throw new RunUnavailable(`flow "${execution.flowStableKey}" is not in the integration's definition`);
  const maxPerHost = rows.parentFanOut?.maxConcurrencyPerHost;
  return {
    execution,
    actor: systemActor(execution.orgId),
    definition,
    flow,
    instance: rows.instance,
    testInstance: rows.testInstance,
    customer: rows.customer,
    finished: new Map(rows.finished.map((r) => [finishedKey(r.stepName, r.iteration), r])),
    credentials: rows.credentials,
    pending: noPendingWrites(),
    secrets: opts.secrets ?? new KnownSecrets(),
    maxStoredOutputBytes: opts.maxStoredOutputBytes,
    hostLimit: maxPerHost ? { parentExecutionId: execution.parentExecutionId!, maxPerHost } : null,
  };
}
