import type { EngineConfig } from '../../config';
import type { Db } from '../../db/client';
import type { ActionStep, BranchStep, LoopStep, SetVariablesStep, Step } from '../../domain/integrations/definition';
import type { Logger } from '../../log';
import type { Vault } from '../../vault/vault';
import type { OutgoingHttp } from '../http/outgoing-http';
import { evaluateValue, isTruthyCondition, renderDeep } from '../../lib/templates';
import { runActionStep } from '../steps/action-step';
import { finishedKey, type RunContext } from './run-context';
import { recordStep, runLog } from './step-record';

/** `http` is the one way out: every request a step sends passes its egress policy and size budget. */
export type EngineDeps = { db: Db; vault: Vault; log: Logger; config: EngineConfig; http: OutgoingHttp };

/** Whether this worker still owns the execution; checked between steps and before retries. */
export type LeaseGuard = { renew: () => Promise<boolean> };

export class StepFailed extends Error {}
export class LeaseLost extends Error {}

type Scope = Record<string, unknown> & { steps: Record<string, { results: unknown }>; variables: Record<string, unknown> };

/** Runs a flow's steps in order; steps that finished under an earlier claim are replayed from their results. */
export async function runFlow(deps: EngineDeps, ctx: RunContext, guard: LeaseGuard): Promise<unknown> {
  const scope: Scope = {
    trigger: ctx.execution.trigger,
    steps: {},
    variables: {},
    configVars: configVarValues(ctx),
    customer: ctx.customer ? { externalId: ctx.customer.externalId, name: ctx.customer.name } : null,
  };
  return runSteps(deps, ctx, guard, ctx.flow.steps, scope, '');
}

async function runSteps(deps: EngineDeps, ctx: RunContext, guard: LeaseGuard, steps: Step[], scope: Scope, iteration: string): Promise<unknown> {
  let last: unknown = null;
  for (const step of steps) {
    if (!(await guard.renew())) throw new LeaseLost();
    last = await runStep(deps, ctx, guard, step, scope, iteration);
    scope.steps[step.name] = { results: last };
  }
  return last;
}

async function runStep(deps: EngineDeps, ctx: RunContext, guard: LeaseGuard, step: Step, scope: Scope, iteration: string): Promise<unknown> {
  const done = ctx.finished.get(finishedKey(step.name, iteration));
  if (done?.status === 'SUCCEEDED' && step.type !== 'loop' && step.type !== 'branch') {
    if (step.type === 'set-variables') Object.assign(scope.variables, done.output as object);
    return done.output;
  }
  switch (step.type) {
    case 'action':
      return runAction(deps, ctx, guard, step, scope, iteration);
    case 'loop':
      return runLoop(deps, ctx, guard, step, scope, iteration);
    case 'set-variables':
      return setVariables(deps, ctx, step, scope, iteration);
    case 'branch':
      return runBranch(deps, ctx, guard, step, scope, iteration);
  }
}

async function runAction(deps: EngineDeps, ctx: RunContext, guard: LeaseGuard, step: ActionStep, scope: Scope, iteration: string) {
  const startedAt = new Date();
  const outcome = await runActionStep(deps, ctx, step, scope, iteration, guard);
  await recordStep(deps.db, ctx, { stepName: step.name, iteration, startedAt, ...outcome });
  for (const warning of outcome.warnings ?? []) await runLog(deps.db, ctx, 'WARN', warning, step.name);
  if (outcome.status === 'FAILED') {
    await runLog(deps.db, ctx, 'ERROR', outcome.error ?? 'failed', step.name);
    throw new StepFailed(`Step "${step.name}" failed: ${outcome.error}`);
  }
  await runLog(deps.db, ctx, 'INFO', `Step "${step.name}" succeeded`, step.name);
  return outcome.output;
}

async function runLoop(deps: EngineDeps, ctx: RunContext, guard: LeaseGuard, step: LoopStep, scope: Scope, iteration: string) {
  const items = await evaluateValue(step.items, scope);
  const entries: [string | number, unknown][] = Array.isArray(items)
    ? items.map((item, i) => [i, item])
    : items && typeof items === 'object'
      ? Object.entries(items)
      : [];
  if (items != null && typeof items !== 'object') {
    throw new StepFailed(`Step "${step.name}" failed: items must be a list or a dictionary, got ${typeof items}`);
  }
  const results: unknown[] = [];
  for (const [index, [key, item]] of entries.entries()) {
    const inner: Scope = { ...scope, steps: { ...scope.steps }, [step.itemName]: item, loop: { index, key } };
    results.push(await runSteps(deps, ctx, guard, step.steps, inner, `${iteration}${step.name}[${index}]/`));
    Object.assign(scope.variables, inner.variables);
  }
  return results;
}

async function setVariables(deps: EngineDeps, ctx: RunContext, step: SetVariablesStep, scope: Scope, iteration: string) {
  const startedAt = new Date();
  const values = (await renderDeep(step.variables, scope)) as Record<string, unknown>;
  Object.assign(scope.variables, values);
  await recordStep(deps.db, ctx, { stepName: step.name, iteration, startedAt, status: 'SUCCEEDED', output: values });
  return values;
}

async function runBranch(deps: EngineDeps, ctx: RunContext, guard: LeaseGuard, step: BranchStep, scope: Scope, iteration: string) {
  for (const branch of step.branches) {
    if (isTruthyCondition(await evaluateValue(branch.condition, scope))) {
      await runSteps(deps, ctx, guard, branch.steps, scope, iteration);
      return { branch: branch.name };
    }
  }
  if (step.else) await runSteps(deps, ctx, guard, step.else, scope, iteration);
  return { branch: step.else ? 'else' : null };
}

/** Plain config variable values (instance value, else the definition's default); connections are not values. */
function configVarValues(ctx: RunContext): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const cv of ctx.definition.requiredConfigVars ?? []) {
    if (cv.dataType === 'connection') continue;
    const bound = ctx.instance?.configValues[cv.key];
    const raw = bound?.kind === 'value' ? bound.value : cv.defaultValue;
    values[cv.key] = raw == null ? null : cv.dataType === 'number' ? Number(raw) : cv.dataType === 'boolean' ? raw === 'true' : cv.dataType === 'json' ? safeJson(raw) : raw;
  }
  return values;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
