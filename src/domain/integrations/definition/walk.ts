import type { PathSegment } from './paths';
import type { IntegrationDefinition, Step } from './types';

export interface StepVisit {
  step: Step;
  /** e.g. `['flows', 0, 'steps', 3, 'branches', 0, 'steps', 1]`. */
  path: PathSegment[];
  flowIndex: number;
  /** itemNames of the loops around this step, outermost first. */
  enclosingItemNames: string[];
}

/** Every step of a step list, depth first in document order, loop and branch bodies included. */
export function* walkSteps(steps: readonly Step[], basePath: PathSegment[], flowIndex: number, enclosingItemNames: string[] = []): Generator<StepVisit> {
  for (const [index, step] of steps.entries()) {
    const path = [...basePath, index];
    yield { step, path, flowIndex, enclosingItemNames };
    if (step.type === 'loop') {
      yield* walkSteps(step.steps, [...path, 'steps'], flowIndex, [...enclosingItemNames, step.itemName]);
    } else if (step.type === 'branch') {
      for (const [branchIndex, branch] of step.branches.entries()) {
        yield* walkSteps(branch.steps, [...path, 'branches', branchIndex, 'steps'], flowIndex, enclosingItemNames);
      }
      if (step.else) yield* walkSteps(step.else, [...path, 'else'], flowIndex, enclosingItemNames);
    }
  }
}

/** Every step of every flow. */
export function* walkDefinitionSteps(def: IntegrationDefinition): Generator<StepVisit> {
  for (const [flowIndex, flow] of def.flows.entries()) {
    yield* walkSteps(flow.steps, ['flows', flowIndex, 'steps'], flowIndex);
  }
}
