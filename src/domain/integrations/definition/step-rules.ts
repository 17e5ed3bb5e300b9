import { isSingleOutputTemplate, parseTemplate } from '../../../lib/templates';
import type { PathSegment } from './paths';
import { describeConfigVarMismatch, reportDuplicates, type Report } from './report';
import { IDENTIFIER_PATTERN } from './schema';
import type { ConfigVar, JsonValue, Step } from './types';
import { walkSteps } from './walk';

/** Scope roots a loop item would hide (docs/definition.md, "Template scope"). */
export const RESERVED_SCOPE_NAMES: readonly string[] = ['trigger', 'steps', 'configVars', 'variables', 'customer', 'loop', 'env'];

const IDENTIFIER_MESSAGE = 'must be an identifier: letters, digits and _, not starting with a digit';

/** Step rules for one flow: names unique across nested bodies, references, templates. */
export function checkSteps(steps: readonly Step[], flowIndex: number, configVarsByKey: ReadonlyMap<string, ConfigVar>, report: Report): void {
  const visits = [...walkSteps(steps, ['flows', flowIndex, 'steps'], flowIndex)];
  const pathAt = (index: number): PathSegment[] => visits[index]!.path;
  reportDuplicates(visits, (visit) => visit.step.name, pathAt, 'name', report);
  reportDuplicates(visits, (visit) => visit.step.stableKey, pathAt, 'stableKey', report);

  for (const { step, path, enclosingItemNames } of visits) {
    switch (step.type) {
      case 'action':
        if (step.connection !== undefined) {
          const configVar = configVarsByKey.get(step.connection);
          if (configVar?.dataType !== 'connection') {
            report([...path, 'connection'], describeConfigVarMismatch(step.connection, configVar, 'connection'));
          }
        }
        if (step.auth !== undefined) checkTemplate(step.auth, [...path, 'auth'], report);
        if (step.inputs) checkTemplatesDeep(step.inputs, [...path, 'inputs'], report);
        break;
      case 'loop':
        checkLoopItems(step.items, [...path, 'items'], report);
        checkItemName(step.itemName, enclosingItemNames, [...path, 'itemName'], report);
        break;
      case 'set-variables':
        for (const [name, value] of Object.entries(step.variables)) {
          const valuePath = [...path, 'variables', name];
          if (!IDENTIFIER_PATTERN.test(name)) report(valuePath, `variable name ${IDENTIFIER_MESSAGE}`);
          checkTemplatesDeep(value, valuePath, report);
        }
        break;
      case 'branch': {
        const branchPath = (index: number): PathSegment[] => [...path, 'branches', index];
        reportDuplicates(step.branches, (branch) => branch.name, branchPath, 'name', report);
        for (const [index, branch] of step.branches.entries()) {
          checkTemplate(branch.condition, [...branchPath(index), 'condition'], report);
        }
        break;
      }
    }
  }
}

function checkTemplate(src: string, path: PathSegment[], report: Report): boolean {
  const parsed = parseTemplate(src);
  if (!parsed.ok) report(path, `template does not parse: ${parsed.message}`);
  return parsed.ok;
}

/** Every string leaf of step inputs and variable values is a template. */
function checkTemplatesDeep(value: JsonValue, path: PathSegment[], report: Report): void {
  if (typeof value === 'string') checkTemplate(value, path, report);
  else if (Array.isArray(value)) value.forEach((item, index) => checkTemplatesDeep(item, [...path, index], report));
  else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) checkTemplatesDeep(item, [...path, key], report);
  }
}

/** Items must be a value, not text: a string would be iterated as nothing useful. */
function checkLoopItems(items: string, path: PathSegment[], report: Report): void {
  if (checkTemplate(items, path, report) && !isSingleOutputTemplate(items)) {
    report(path, 'must be a single {{ expression }} yielding a list or dictionary');
  }
}

function checkItemName(itemName: string, enclosing: readonly string[], path: PathSegment[], report: Report): void {
  if (!IDENTIFIER_PATTERN.test(itemName)) report(path, IDENTIFIER_MESSAGE);
  else if (RESERVED_SCOPE_NAMES.includes(itemName)) report(path, `"${itemName}" is reserved by the template scope`);
  else if (enclosing.includes(itemName)) report(path, `"${itemName}" is already the item of an enclosing loop`);
}
