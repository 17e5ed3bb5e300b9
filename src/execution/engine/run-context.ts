import { eq } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { customers, executions, instances, integrationVersions, integrations, stepResults } from '../../db/tables';
import { systemActor, type Actor } from '../../domain/actor';
import type { Flow, IntegrationDefinition } from '../../domain/integrations/definition';
import type { Execution } from '../../domain/executions/start-execution';
import { KnownSecrets } from '../secrets/known-secrets';

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
  customer: Customer | null;
  /** Results of steps finished by earlier claims, by `${stepName}\u0000${iteration}`: they are not run again. */
  finished: Map<string, StepResult>;
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

export async function loadRunContext(db: Db, execution: Execution, opts: { maxStoredOutputBytes: number; secrets?: KnownSecrets }): Promise<RunContext> {
  const definition = execution.versionId
    ? (await db.select().from(integrationVersions).where(eq(integrationVersions.id, execution.versionId)))[0]?.definition
    : (await db.select().from(integrations).where(eq(integrations.id, execution.integrationId)))[0]?.definition;
  if (!definition) throw new RunUnavailable(`the integration of execution ${execution.id} no longer exists`);
  const flow = definition.flows.find((f) => f.stableKey === execution.flowStableKey);
  if (!flow) throw new RunUnavailable(`flow "${execution.flowStableKey}" is not in the integration's definition`);
  const [instance] = execution.instanceId ? await db.select().from(instances).where(eq(instances.id, execution.instanceId)) : [];
  const [customer] = execution.customerId ? await db.select().from(customers).where(eq(customers.id, execution.customerId)) : [];
  const done = await db.select().from(stepResults).where(eq(stepResults.executionId, execution.id));
  const [parent] = execution.parentExecutionId
    ? await db.select({ fanOut: executions.fanOut }).from(executions).where(eq(executions.id, execution.parentExecutionId))
    : [];
  const maxPerHost = parent?.fanOut?.maxConcurrencyPerHost;
  return {
    execution,
    actor: systemActor(execution.orgId),
    definition,
    flow,
    instance: instance ?? null,
    customer: customer ?? null,
    finished: new Map(done.map((r) => [finishedKey(r.stepName, r.iteration), r])),
    secrets: opts.secrets ?? new KnownSecrets(),
    maxStoredOutputBytes: opts.maxStoredOutputBytes,
    hostLimit: maxPerHost ? { parentExecutionId: execution.parentExecutionId!, maxPerHost } : null,
  };
}
