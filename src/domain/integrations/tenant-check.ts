import type { DbOrTx } from '../../db/client';
import type { Actor } from '../actor';
import { formatPath } from '../components';
import { findComponentByKey, type ComponentRecord } from '../components/registry';
import { findByStableKey, type ScopedConfigVariable } from '../connections/scoped-config-variables';
import { existingEnvVariableNames } from '../env-variables/env-variables';
import {
  collectActionRefs,
  collectEnvRefs,
  collectConnectionRefs,
  collectScopedConfigVarRefs,
  walkDefinitionSteps,
  type DefinitionError,
  type IntegrationDefinition,
} from './definition';
import { unsupportedUserAuthentication } from '../user-authentications/settings';
import { stepInputProblems } from './step-inputs-check';

/*
 * What a definition needs from the tenant that imports it, which the definition module cannot see: the
 * components and actions its steps call, the connection types of its inline connections, and the
 * organization-activated connections it names by stable key. A definition synced from another tenant
 * (dev→prod, US→EU) fails here, with the path to fix, when this tenant lacks one of them.
 */

export type CheckedDefinition = { ok: true; value: IntegrationDefinition } | { ok: false; errors: DefinitionError[] };

export async function checkDefinitionAgainstTenant(db: DbOrTx, actor: Actor, def: IntegrationDefinition): Promise<DefinitionError[]> {
  const errors: DefinitionError[] = [];
  const components = new Map<string, Promise<ComponentRecord | null>>();
  const component = (key: string) => {
    if (!components.has(key)) components.set(key, findComponentByKey(db, actor, key));
    return components.get(key)!;
  };

  for (const ref of collectConnectionRefs(def)) {
    const found = await component(ref.component);
    if (!found) errors.push({ path: ref.path, message: missingComponent(ref.component) });
    else if (!found.definition.connections.some((connection) => connection.key === ref.key)) {
      const known = found.definition.connections.map((connection) => connection.key).join(', ') || 'none';
      errors.push({ path: ref.path, message: `component "${ref.component}" has no connection "${ref.key}"; it has: ${known}` });
    }
  }

  for (const [index, configVar] of (def.requiredConfigVars ?? []).entries()) {
    if (configVar.dataType !== 'connection' || !configVar.connection || !configVar.userAuthentication?.enabled) continue;
    const { component: componentKey, key } = configVar.connection;
    const connection = (await component(componentKey))?.definition.connections.find((candidate) => candidate.key === key);
    if (connection && !connection.supportsUserAuthentication) {
      errors.push({ path: formatPath(['requiredConfigVars', index, 'userAuthentication']), message: unsupportedUserAuthentication(`${componentKey}/${key}`) });
    }
  }

  const scoped = new Map<string, ScopedConfigVariable>();
  for (const ref of collectScopedConfigVarRefs(def)) {
    const found = await findByStableKey(db, actor, ref.stableKey);
    if (found) scoped.set(ref.stableKey, found);
    else {
      errors.push({
        path: ref.path,
        message: `no connection with stable key "${ref.stableKey}" exists in this tenant; create it (same stable key) first`,
      });
    }
  }

  for (const ref of collectActionRefs(def)) {
    const found = await component(ref.component);
    if (!found) errors.push({ path: ref.path, message: missingComponent(ref.component) });
    else if (!found.definition.actions.some((action) => action.key === ref.key)) {
      const known = found.definition.actions.map((action) => action.key).join(', ') || 'none';
      errors.push({ path: ref.path, message: `component "${ref.component}" has no action "${ref.key}"; it has: ${known}` });
    }
  }

  for (const { step, path } of walkDefinitionSteps(def)) {
    if (step.type !== 'action') continue;
    const action = (await component(step.action.component))?.definition.actions.find((candidate) => candidate.key === step.action.key);
    if (action) errors.push(...stepInputProblems(step.inputs, action, `${step.action.component}/${step.action.key}`, path));
  }

  const unknown = new Set<string>();
  for (const [key, found] of components) if (!(await found)) unknown.add(key);
  errors.push(...componentMismatches(def, scoped, unknown));
  return errors;
}

/**
 * A step must call an action of the component its connection authenticates to. Steps whose action names
 * an unknown component are skipped: that error is already reported on the action.
 */
function componentMismatches(def: IntegrationDefinition, scoped: Map<string, ScopedConfigVariable>, unknown: Set<string>): DefinitionError[] {
  const errors: DefinitionError[] = [];
  const configVars = new Map((def.requiredConfigVars ?? []).map((configVar) => [configVar.key, configVar]));
  for (const { step, path } of walkDefinitionSteps(def)) {
    if (step.type !== 'action' || step.connection === undefined || unknown.has(step.action.component)) continue;
    const configVar = configVars.get(step.connection);
    if (configVar?.dataType !== 'connection') continue; // reported by the definition rules
    const connectionComponent = configVar.connection?.component ?? scoped.get(configVar.useScopedConfigVar ?? '')?.componentKey;
    if (connectionComponent === undefined || connectionComponent === step.action.component) continue;
    errors.push({
      path: formatPath([...path, 'connection']),
      message:
        `"${configVar.key}" is a connection of component "${connectionComponent}", ` +
        `but action "${step.action.key}" belongs to component "${step.action.component}"`,
    });
  }
  return errors;
}

/**
 * Problems that do not stop an import: env variables the definition reads that this organization lacks
 * (they may be created after the import; until then the step that reads one fails naming it).
 */
export async function definitionWarnings(db: DbOrTx, actor: Actor, def: IntegrationDefinition): Promise<DefinitionError[]> {
  const refs = collectEnvRefs(def);
  const existing = await existingEnvVariableNames(db, actor, [...new Set(refs.map((ref) => ref.name))]);
  return refs
    .filter((ref) => !existing.has(ref.name))
    .map((ref) => ({ path: ref.path, message: `env variable "${ref.name}" does not exist in this organization yet; the step fails until it is created` }));
}

const missingComponent = (key: string) => `component "${key}" does not exist in this tenant`;

/** `<path>: <message>`, how definition problems appear in a payload's `errors` under the field `definition`. */
export const definitionMessages = (errors: readonly DefinitionError[]) => errors.map((error) => `${error.path}: ${error.message}`);
