import type { EngineConfig } from '../../config';
import type { Db } from '../../db/client';
import type { StepErrorKind } from '../../db/tables';
import type { ActionStep, BranchStep, LoopStep, SetVariablesStep, Step } from '../../domain/integrations/definition';
import type { Logger } from '../../log';
import type { Vault } from '../../vault/vault';
import type { OutgoingHttp } from '../http/outgoing-http';
import type { KnownSecrets } from '../secrets/known-secrets';
import { evaluateValue, isTruthyCondition, renderDeep, RenderBudget, TemplateError, withRenderBudget } from '../../lib/templates';
import { durationOverBudget, loopOverBudget, stepsOverBudget } from '../policy/run-budgets';
import { runActionStep } from '../steps/action-step';
import { componentLabel, stepDuration } from '../../metrics/registry';
import { flowEnvReads } from '../../domain/integrations/definition';
import { finishedKey, type RunContext } from './run-context';
import { envScope, loadRunEnv, missingEnvVariable, type RunEnv } from './run-env';
import { isIterationRecord, loopOutcomeWarning, type IterationOutcome } from './loop-outcomes';
import { flushWrites, logLine, recordStep } from './step-record';

/** `http` is the one way out: every request a step sends passes its egress policy and size budget. */
export type EngineDeps = {
  db: Db;
  vault: Vault;
  log: Logger;
  config: EngineConfig;
  http: OutgoingHttp;
  /** Only for bench/security-overhead.bench.ts (its baseline redacts nothing); never a setting. Default: new KnownSecrets(). */
  knownSecrets?: () => KnownSecrets;
};

/** Whether this worker still owns the execution; checked between steps and before retries. */
export type LeaseGuard = { renew: () => Promise<boolean> };

export class StepFailed extends Error {}
/** A run budget is spent: the run ends even inside a loop with `onError: continue`. */
export class BudgetSpent extends StepFailed {}
export class LeaseLost extends Error {}

/** What later steps read of a failed step that was continued: `{{ steps['X'].error.kind }}`. */
type StepError = { message: string; kind: StepErrorKind | null };
type Scope = Record<string, unknown> & { steps: Record<string, { results: unknown; error?: StepError }>; variables: Record<string, unknown> };

/** An action step that failed under `onError: continue`: the run goes on, and the step's scope holds the error. */
class ContinuedFailure {
  constructor(readonly error: StepError) {}
}

/** One claim of an execution: what it runs with, and the step executions the run has used so far. */
type Run = { deps: EngineDeps; ctx: RunContext; guard: LeaseGuard; stepsExecuted: number; env: RunEnv };

/**
 * Runs a flow's steps in order; steps that finished under an earlier claim are replayed from their results.
 * The run's budgets (EngineConfig.budgets) stop it with an error naming the exceeded setting.
 */
export async function runFlow(deps: EngineDeps, ctx: RunContext, guard: LeaseGuard): Promise<unknown> {
  const env = await loadRunEnv(deps.db, deps.vault, ctx, flowEnvReads(ctx.flow.steps));
  const scope: Scope = {
    // First, so that every scope name below wins over an env variable's bare name.
    ...envScope(env),
    trigger: ctx.execution.trigger,
    steps: {},
    variables: {},
    configVars: configVarValues(ctx),
    customer: ctx.customer ? { externalId: ctx.customer.externalId, name: ctx.customer.name } : null,
  };
  // Every stored step result is a step an earlier claim executed: a run that keeps crashing and resuming
  // cannot start its step budget over.
  const stepsExecuted = [...ctx.finished.values()].filter((row) => !isIterationRecord(row)).length;
  const run: Run = { deps, ctx, guard, stepsExecuted, env };
  const { maxTemplateMs, maxTemplateOutputBytes } = deps.config.budgets;
  const templates = new RenderBudget({ maxTotalMs: maxTemplateMs, maxOutputBytes: maxTemplateOutputBytes });
  return withRenderBudget(templates, () => runSteps(run, ctx.flow.steps, scope, ''));
}

async function runSteps(run: Run, steps: Step[], scope: Scope, iteration: string): Promise<unknown> {
  let last: unknown = null;
  for (const step of steps) {
    // What the previous step recorded is durable before this one can have an effect.
    await flushWrites(run.deps.db, run.ctx);
    if (!(await run.guard.renew())) throw new LeaseLost();
    const result = await runStep(run, step, scope, iteration);
    last = result instanceof ContinuedFailure ? null : result;
    scope.steps[step.name] = result instanceof ContinuedFailure ? { results: null, error: result.error } : { results: last };
  }
  return last;
}

async function runStep(run: Run, step: Step, scope: Scope, iteration: string): Promise<unknown> {
  const done = run.ctx.finished.get(finishedKey(step.name, iteration));
  if (done?.status === 'SUCCEEDED' && step.type !== 'loop' && step.type !== 'branch') {
    if (step.type === 'set-variables') Object.assign(scope.variables, done.output as object);
    return done.output;
  }
  // A continued failure is taken as recorded: sending the request again could make a different choice.
  if (done?.status === 'FAILED' && step.type === 'action' && step.onError === 'continue') {
    return new ContinuedFailure({ message: done.error ?? 'failed', kind: done.errorKind });
  }
  await chargeStep(run, step);
  const missing = missingEnvVariable(run.env, step);
  if (missing) await fail(run, step, `Step "${step.name}" failed: env variable "${missing}" does not exist in this organization`);
  switch (step.type) {
    case 'action':
      return runAction(run, step, scope, iteration);
    case 'loop':
      return runLoop(run, step, scope, iteration);
    case 'set-variables':
      return setVariables(run, step, scope, iteration);
    case 'branch':
      return runBranch(run, step, scope, iteration);
  }
}

/** Counts one step execution against the run's budgets, or ends the run when one is spent. */
async function chargeStep(run: Run, step: Step) {
  const { maxDurationMs, maxSteps } = run.deps.config.budgets;
  const startedAt = run.ctx.execution.startedAt ?? new Date();
  const over = durationOverBudget(startedAt, new Date(), maxDurationMs) ?? stepsOverBudget(run.stepsExecuted, maxSteps);
  if (over) await fail(run, step, over, BudgetSpent);
  run.stepsExecuted += 1;
}

/** Ends the run with `message` as the execution's error, logged on the step that could not run. */
async function fail(run: Run, step: Step, message: string, as: typeof StepFailed = StepFailed): Promise<never> {
  logLine(run.ctx, 'ERROR', message, step.name);
  throw new as(message);
}

/** Template failures (syntax, limits, budgets) of the engine's own steps end the run like a failed action. */
async function rendered<T>(run: Run, step: Step, render: () => Promise<T>): Promise<T> {
  try {
    return await render();
  } catch (error) {
    if (!(error instanceof TemplateError)) throw error;
    return fail(run, step, `Step "${step.name}" failed: ${error.message}`);
  }
}

async function runAction(run: Run, step: ActionStep, scope: Scope, iteration: string) {
  const { deps, ctx } = run;
  const startedAt = new Date();
  const outcome = await rendered(run, step, () => runActionStep(deps, ctx, step, scope, iteration, run.guard));
  stepDuration.observe({ component: componentLabel(step.action.component), status: outcome.status }, (Date.now() - startedAt.getTime()) / 1000);
  recordStep(ctx, { stepName: step.name, iteration, startedAt, ...outcome });
  for (const warning of outcome.warnings ?? []) logLine(ctx, 'WARN', warning, step.name);
  if (outcome.status === 'FAILED' && step.onError === 'continue') {
    logLine(ctx, 'WARN', `Step "${step.name}" failed and was continued (onError: continue): ${outcome.error}`, step.name);
    return new ContinuedFailure({ message: ctx.secrets.text(outcome.error ?? 'failed'), kind: outcome.errorKind ?? null });
  }
  if (outcome.status === 'FAILED') {
    logLine(ctx, 'ERROR', outcome.error ?? 'failed', step.name);
    throw new StepFailed(`Step "${step.name}" failed: ${outcome.error}`);
  }
  logLine(ctx, 'INFO', `Step "${step.name}" succeeded`, step.name);
  return outcome.output;
}

/**
 * Runs the body once per item and records each iteration's outcome (a step result of the loop per
 * iteration). Under `onError: continue` a failed iteration is recorded and the next one starts; a resumed
 * run takes a recorded failure as it is instead of running that iteration again. Succeeded iterations run
 * their body again on resumption, which replays each body step from its own result.
 */
async function runLoop(run: Run, step: LoopStep, scope: Scope, iteration: string) {
  const startedAt = new Date();
  const items = await rendered(run, step, () => evaluateValue(step.items, scope));
  const entries: [string | number, unknown][] = Array.isArray(items)
    ? items.map((item, i) => [i, item])
    : items && typeof items === 'object'
      ? Object.entries(items)
      : [];
  if (items != null && typeof items !== 'object') {
    throw new StepFailed(`Step "${step.name}" failed: items must be a list or a dictionary, got ${typeof items}`);
  }
  const tooMany = loopOverBudget(step.name, entries.length, run.deps.config.budgets.maxLoopIterations);
  if (tooMany) await fail(run, step, tooMany, BudgetSpent);
  const outcomes: IterationOutcome[] = [];
  for (const [index, [key, item]] of entries.entries()) {
    const bodyIteration = `${iteration}${step.name}[${index}]/`;
    const recorded = run.ctx.finished.get(finishedKey(step.name, bodyIteration));
    let outcome: IterationOutcome;
    if (recorded?.status === 'FAILED') {
      outcome = recorded.output as IterationOutcome;
    } else {
      const inner: Scope = { ...scope, steps: { ...scope.steps }, [step.itemName]: item, loop: { index, key } };
      outcome = await runIteration(run, step, inner, bodyIteration, { index, key });
      Object.assign(scope.variables, inner.variables);
    }
    outcomes.push(outcome);
    if (outcome.status === 'FAILED' && step.onError !== 'continue') {
      const error = `Iteration ${JSON.stringify(key)} failed: ${outcome.error}`;
      recordStep(run.ctx, { stepName: step.name, iteration, startedAt, status: 'FAILED', output: outcomes, error });
      // The run's error stays the failed body step's own message, as before onError existed.
      throw new StepFailed(outcome.error);
    }
  }
  const warning = loopOutcomeWarning(step.name, outcomes);
  recordStep(run.ctx, {
    stepName: step.name,
    iteration,
    startedAt,
    status: 'SUCCEEDED',
    output: outcomes,
    warnings: warning ? [warning] : [],
  });
  if (warning) logLine(run.ctx, 'WARN', warning, step.name);
  return outcomes;
}

/** One pass of a loop's body, recorded as the loop's step result for that iteration. */
async function runIteration(
  run: Run,
  step: LoopStep,
  inner: Scope,
  bodyIteration: string,
  at: { index: number; key: string | number },
): Promise<IterationOutcome> {
  const startedAt = new Date();
  let outcome: IterationOutcome;
  try {
    outcome = { ...at, status: 'SUCCEEDED', output: await runSteps(run, step.steps, inner, bodyIteration) };
  } catch (error) {
    if (!(error instanceof StepFailed) || error instanceof BudgetSpent) throw error;
    outcome = { ...at, status: 'FAILED', error: error.message, output: null };
  }
  const { status, error } = outcome;
  recordStep(run.ctx, { stepName: step.name, iteration: bodyIteration, startedAt, status, output: outcome, error });
  return outcome;
}

async function setVariables(run: Run, step: SetVariablesStep, scope: Scope, iteration: string) {
  const startedAt = new Date();
  const values = (await rendered(run, step, () => renderDeep(step.variables, scope))) as Record<string, unknown>;
  Object.assign(scope.variables, values);
  recordStep(run.ctx, { stepName: step.name, iteration, startedAt, status: 'SUCCEEDED', output: values });
  return values;
}

async function runBranch(run: Run, step: BranchStep, scope: Scope, iteration: string) {
  for (const branch of step.branches) {
    if (isTruthyCondition(await rendered(run, step, () => evaluateValue(branch.condition, scope)))) {
      await runSteps(run, branch.steps, scope, iteration);
      return { branch: branch.name };
    }
  }
  if (step.else) await runSteps(run, step.else, scope, iteration);
  return { branch: step.else ? 'else' : null };
}

/**
 * Plain config variable values (the instance's value, for a test run the test instance's, else the
 * definition's default); connections are not values.
 */
function configVarValues(ctx: RunContext): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  const holder = ctx.instance ?? ctx.testInstance;
  for (const cv of ctx.definition.requiredConfigVars ?? []) {
    if (cv.dataType === 'connection') continue;
    const bound = holder?.configValues[cv.key];
    const raw = bound?.kind === 'value' ? bound.value : cv.defaultValue;
    values[cv.key] =
      raw == null ? null : cv.dataType === 'number' ? Number(raw) : cv.dataType === 'boolean' ? raw === 'true' : cv.dataType === 'json' ? safeJson(raw) : raw;
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
