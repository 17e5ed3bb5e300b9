import { formatPath } from './paths';
import type { IntegrationDefinition } from './types';
import { walkDefinitionSteps } from './walk';

/**
 * References a definition makes to things outside it. The definition module cannot check them
 * (the component catalog and the tenant's ScopedConfigVariables live elsewhere), so importers
 * collect them here and report misses with these paths.
 */

export interface ComponentRefAt {
  path: string;
  component: string;
  key: string;
}

export interface ScopedConfigVarRefAt {
  path: string;
  stableKey: string;
}

/** Component actions used by steps; path `flows[0].steps[1].action`. */
export function collectActionRefs(def: IntegrationDefinition): ComponentRefAt[] {
  const refs: ComponentRefAt[] = [];
  for (const { step, path } of walkDefinitionSteps(def)) {
    if (step.type !== 'action') continue;
    refs.push({ path: formatPath([...path, 'action']), component: step.action.component, key: step.action.key });
  }
  return refs;
}

/** Connection types of inline connection config vars; path `requiredConfigVars[1].connection`. */
export function collectConnectionRefs(def: IntegrationDefinition): ComponentRefAt[] {
  const refs: ComponentRefAt[] = [];
  for (const [index, configVar] of (def.requiredConfigVars ?? []).entries()) {
    if (configVar.dataType !== 'connection' || !configVar.connection) continue;
    const { component, key } = configVar.connection;
    refs.push({ path: formatPath(['requiredConfigVars', index, 'connection']), component, key });
  }
  return refs;
}

/**
 * Organization-activated connections, matched by stableKey in the importing tenant;
 * path `requiredConfigVars[0].useScopedConfigVar`.
 */
export function collectScopedConfigVarRefs(def: IntegrationDefinition): ScopedConfigVarRefAt[] {
  const refs: ScopedConfigVarRefAt[] = [];
  for (const [index, configVar] of (def.requiredConfigVars ?? []).entries()) {
    if (configVar.dataType !== 'connection' || configVar.useScopedConfigVar === undefined) continue;
    refs.push({
      path: formatPath(['requiredConfigVars', index, 'useScopedConfigVar']),
      stableKey: configVar.useScopedConfigVar,
    });
  }
  return refs;
}
