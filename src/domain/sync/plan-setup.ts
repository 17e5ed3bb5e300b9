import { isDeepStrictEqual } from 'node:util';
import type { ComponentDefinition } from '../components';
import { parseComponentDefinition } from '../components/definition';
import { connectionsOf, importComponent, type ComponentRecord, type ConnectionRecord } from '../components/registry';
import { isSecret } from '../connections/input-expressions';
import { createScopedConfigVariable, updateScopedConfigVariable } from '../connections/scoped-config-variables';
import { createEnvVariable, updateEnvVariable } from '../env-variables/env-variables';
import type { Bundle, BundleConnection } from './bundle';
import { objectName, type PlanBuilder } from './plan-types';
import type { TargetState } from './target';
import { USER_AUTHENTICATION_OFF } from '../user-authentications/settings';

/** Finds a connection type in the target, or in a private component the bundle brings along. */
export type ConnectionLookup = (component: string, connection: string) => Promise<ConnectionRecord | null>;

/** Private components: matched by key, replaced as a whole when their definitions differ. */
export function planComponents(plan: PlanBuilder, bundle: Bundle, target: TargetState): Map<string, ComponentDefinition> {
  const valid = new Map<string, ComponentDefinition>();
  for (const component of bundle.components) {
    const mark = plan.mark;
    const parsed = parseComponentDefinition(component.definition);
    if (!parsed.ok) {
      const messages = parsed.errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message));
      plan.problem('INVALID_BUNDLE', objectName('COMPONENT', component.key), messages.join('; '));
    } else valid.set(parsed.value.key, parsed.value);
    const existing = target.components.get(component.key);
    const changed = existing && parsed.ok && !isDeepStrictEqual(existing.definition, parsed.value);
    const definition = JSON.stringify(component.definition);
    plan.decide(mark, { kind: 'COMPONENT', key: component.key, exists: !!existing, fields: changed ? ['definition'] : [] }, async (c) => {
      await importComponent(c.tx, c.actor, { definition });
    });
  }
  return valid;
}

/** A connection type as an apply will see it: the bundle's private components first, then the target's. */
export function connectionLookup(bundleComponents: Map<string, ComponentDefinition>, findInTarget: ConnectionLookup, orgId: string): ConnectionLookup {
  return async (componentKey, connectionKey) => {
    const definition = bundleComponents.get(componentKey);
    if (!definition) return findInTarget(componentKey, connectionKey);
    const record: ComponentRecord = {
      id: `bundle:${componentKey}`,
      orgId,
      key: componentKey,
      label: definition.label,
      description: null,
      public: false,
      definition,
      createdAt: null,
    };
    return connectionsOf(record).find((connection) => connection.key === connectionKey) ?? null;
  };
}

/** Env variables, matched by name (the name is how every flow reads one: `env.<name>`). */
export function planEnvVariables(plan: PlanBuilder, bundle: Bundle, target: TargetState) {
  for (const variable of bundle.envVariables) {
    const mark = plan.mark;
    const name = objectName('ENV_VARIABLE', variable.name);
    const existing = target.envVariables.get(variable.name);
    const fields: string[] = [];
    if (variable.isSecret) {
      if (!existing?.row.isSecret) {
        plan.problem(
          'MISSING_SECRET',
          name,
          `The target must have the secret env variable "${variable.name}": create it there (isSecret true) with its own value; secrets never travel in a bundle.`,
        );
      }
    } else if (existing) {
      if (existing.row.valueType !== variable.valueType) fields.push('valueType');
      if (existing.row.isSecret) fields.push('isSecret');
      if (existing.value !== (variable.value ?? '')) fields.push('value');
    }
    const value = variable.value ?? '';
    plan.decide(mark, { kind: 'ENV_VARIABLE', key: variable.name, exists: !!existing, fields }, async (c) => {
      if (existing) await updateEnvVariable(c.tx, c.vault, c.actor, existing.row.id, { value, valueType: variable.valueType, isSecret: false });
      else await createEnvVariable(c.tx, c.vault, c.actor, { name: variable.name, value, valueType: variable.valueType, isSecret: false });
    });
  }
}

/**
 * Reusable connections, matched by stable key. What is fixed at creation (component connection, scope,
 * managedBy, which inputs are global) and global values already set must be equal in the target; a
 * global secret must already be there.
 */
export async function planConnections(plan: PlanBuilder, bundle: Bundle, target: TargetState, lookup: ConnectionLookup) {
  const secretInputs = new Set(bundle.secrets.flatMap((secret) => ('connection' in secret ? [`${secret.connection}/${secret.input}`] : [])));
  for (const connection of bundle.connections) {
    const mark = plan.mark;
    const name = objectName('CONNECTION', connection.stableKey || connection.key);
    if (!connection.stableKey)
      plan.problem(
        'MISSING_STABLE_KEY',
        name,
        `Connection "${connection.key}" has no stableKey: give it one in the source; it matches the connection across tenants.`,
      );
    const type = await lookup(connection.component, connection.connection);
    if (!type)
      plan.problem(
        'MISSING_REFERENCE',
        name,
        `Connection type "${connection.connection}" of component "${connection.component}" exists neither in the bundle nor in the target.`,
      );
    const existing = target.connections.get(connection.stableKey);
    const fields: string[] = [];
    const added: { name: string; value: string }[] = [];
    if (existing) {
      const row = existing.row;
      for (const [field, here, there] of [
        ['component', `${row.componentKey}/${row.connectionKey}`, `${connection.component}/${connection.connection}`],
        ['variableScope', row.variableScope, connection.variableScope],
        ['managedBy', row.managedBy, connection.managedBy],
        ['inputScopes', JSON.stringify(sorted(row.inputScopes)), JSON.stringify(sorted(scopesOf(connection)))],
      ] as const) {
        if (here !== there)
          plan.problem(
            'IMMUTABLE_GLOBAL_VALUE',
            name,
            `${field} is "${here}" in the target and "${there}" in the bundle; it is fixed when a connection is created.`,
          );
      }
      for (const input of connection.inputs.filter((i) => i.scope === 'org' && i.value !== undefined)) {
        const current = existing.values.get(input.name);
        if (current === undefined) added.push({ name: input.name, value: input.value! });
        else if (current === null) {
          plan.problem('IMMUTABLE_GLOBAL_VALUE', name, `Global input "${input.name}" is a secret in the target; a bundle cannot set or compare it.`);
        } else if (current !== input.value) {
          plan.problem('IMMUTABLE_GLOBAL_VALUE', name, `Global input "${input.name}" has another value in the target; global values cannot be changed.`);
        }
      }
      fields.push(...added.map((input) => `inputs.${input.name}`));
      if (row.key !== connection.key) fields.push('key');
      if ((row.description ?? null) !== (connection.description ?? null)) fields.push('description');
      if (connection.userAuthentication && !isDeepStrictEqual(row.userAuthentication ?? USER_AUTHENTICATION_OFF, connection.userAuthentication)) {
        fields.push('userAuthentication');
      }
    }
    for (const input of connection.inputs) {
      if (!secretInputs.has(`${connection.stableKey}/${input.name}`) || existing?.values.has(input.name)) continue;
      plan.problem(
        'MISSING_SECRET',
        name,
        `The target must have the global secret input "${input.name}": create the connection "${connection.stableKey}" in the target with it first; secrets never travel in a bundle.`,
      );
    }
    if (type && !existing) {
      for (const field of type.definition.inputs.filter(isSecret)) {
        if (
          connection.inputs.find((i) => i.name === field.key)?.scope === 'org' &&
          field.required &&
          !secretInputs.has(`${connection.stableKey}/${field.key}`)
        ) {
          plan.problem('MISSING_SECRET', name, `Global secret input "${field.key}" is required: create the connection in the target with it first.`);
        }
      }
    }
    plan.decide(mark, { kind: 'CONNECTION', key: connection.stableKey, exists: !!existing, fields }, async (c) => {
      if (existing) {
        const input = { key: connection.key, description: connection.description ?? null, inputs: added, userAuthentication: connection.userAuthentication };
        await updateScopedConfigVariable(c.tx, c.vault, c.actor, existing.row.id, input);
        return;
      }
      // Looked up again inside the apply: a private component imported just before has its id only now.
      const liveType = await c.findConnection(connection.component, connection.connection);
      if (!liveType) throw new Error(`sync: connection type ${connection.component}/${connection.connection} vanished during the apply`);
      await createScopedConfigVariable(c.tx, c.vault, c.actor, {
        key: connection.key,
        stableKey: connection.stableKey,
        variableScope: connection.variableScope,
        managedBy: connection.managedBy,
        connectionId: liveType.id,
        description: connection.description ?? null,
        userAuthentication: connection.userAuthentication,
        inputs: connection.inputs.map((i) => ({ name: i.name, type: 'value', value: i.value ?? null, meta: JSON.stringify({ inputScope: i.scope }) })),
      });
    });
  }
}

const scopesOf = (connection: BundleConnection) => Object.fromEntries(connection.inputs.map((input) => [input.name, input.scope]));
const sorted = (record: Record<string, string>) => Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
