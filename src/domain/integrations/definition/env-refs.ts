import { scopeReads } from '../../../lib/templates';
import { formatPath, type PathSegment } from './paths';
import { RESERVED_SCOPE_NAMES } from './step-rules';
import type { IntegrationDefinition, JsonValue, Step } from './types';
import { walkDefinitionSteps, walkSteps } from './walk';

/**
 * Which env variables templates read (docs/definition.md, "Env variables"): `env.NAME`, `env["NAME"]`, and
 * a bare root name that is neither a scope name (trigger, steps, variables, configVars, customer, loop, env)
 * nor the item of an enclosing loop — those always win over an env variable of the same name.
 */
export type EnvReads = {
  /** Names read statically, each with where the first read is. */
  names: Map<string, PathSegment[]>;
  /** True when a template reads `env` whole or by a computed name: every variable may be needed. */
  all: boolean;
};

export interface EnvRefAt {
  path: string;
  name: string;
}

/** The env reads of one step's own templates; a loop's or branch's body steps are not included. */
export function stepEnvReads(step: Step, enclosingItemNames: readonly string[], path: PathSegment[] = []): EnvReads {
  const reads: EnvReads = { names: new Map(), all: false };
  const add = (src: string, at: PathSegment[]) => {
    for (const read of scopeReads(src)) {
      const [root, name] = read;
      if (root === undefined) continue;
      if (root === 'env') {
        if (name === undefined) reads.all = true;
        else if (!reads.names.has(name)) reads.names.set(name, at);
      } else if (!RESERVED_SCOPE_NAMES.includes(root) && !enclosingItemNames.includes(root) && !reads.names.has(root)) {
        reads.names.set(root, at);
      }
    }
  };
  for (const [src, at] of stepTemplates(step, path)) add(src, at);
  return reads;
}

/** Every env variable a definition reads by name, located at its first read in each step. */
export function collectEnvRefs(def: IntegrationDefinition): EnvRefAt[] {
  const refs: EnvRefAt[] = [];
  for (const { step, path, enclosingItemNames } of walkDefinitionSteps(def)) {
    for (const [name, at] of stepEnvReads(step, enclosingItemNames, path).names) refs.push({ path: formatPath(at), name });
  }
  return refs;
}

/** The env reads of every step of a flow's step list, keyed by step, for a run to check before each step. */
export function flowEnvReads(steps: readonly Step[]): Map<Step, EnvReads> {
  const byStep = new Map<Step, EnvReads>();
  for (const { step, enclosingItemNames } of walkSteps(steps, [], 0)) byStep.set(step, stepEnvReads(step, enclosingItemNames));
  return byStep;
}

function* stepTemplates(step: Step, path: PathSegment[]): Generator<[string, PathSegment[]]> {
  switch (step.type) {
    case 'action':
      if (step.auth !== undefined) yield [step.auth, [...path, 'auth']];
      if (step.inputs) yield* jsonTemplates(step.inputs, [...path, 'inputs']);
      break;
    case 'loop':
      yield [step.items, [...path, 'items']];
      break;
    case 'set-variables':
      yield* jsonTemplates(step.variables, [...path, 'variables']);
      break;
    case 'branch':
      for (const [index, branch] of step.branches.entries()) yield [branch.condition, [...path, 'branches', index, 'condition']];
      break;
  }
}

function* jsonTemplates(value: JsonValue, path: PathSegment[]): Generator<[string, PathSegment[]]> {
  if (typeof value === 'string') yield [value, path];
  else if (Array.isArray(value)) for (const [index, item] of value.entries()) yield* jsonTemplates(item, [...path, index]);
  else if (value !== null && typeof value === 'object') for (const [key, item] of Object.entries(value)) yield* jsonTemplates(item, [...path, key]);
}
