import { isDeepStrictEqual } from 'node:util';
import type { ConfigVariableValue, SealedInputs } from '../../db/tables';
import type { ConnectionRecord } from '../components/registry';
import type { ScopedConfigVariable } from '../connections/scoped-config-variables';
import { createCustomer, updateCustomer } from '../customers/customers';
import { connectionRefKey, reportConfig, type InstanceConfigReport } from '../instances/config-state';
import { withScopedBindings, type InstanceConfigVariableInput } from '../instances/config-values';
import { blocksDeploy } from '../instances/deploy-readiness';
import { createInstance, deployInstance, updateInstance, updateInstanceConfigVariables } from '../instances/instances';
import type { IntegrationDefinition } from '../integrations/definition';
import { instanceKey, type Bundle, type BundleInstance } from './bundle';
import { ownerExternalIdOf, type PlannedIntegration } from './plan-integrations';
import type { ConnectionLookup } from './plan-setup';
import { objectName, type PlanBuilder } from './plan-types';
import type { TargetInstance, TargetState } from './target';

/** Customers, matched by externalId only. */
export function planCustomers(plan: PlanBuilder, bundle: Bundle, target: TargetState, ids: Map<string, string>) {
  for (const [externalId, row] of target.customers) ids.set(`customer:${externalId}`, row.id);
  for (const customer of bundle.customers) {
    const mark = plan.mark;
    const key = customer.externalId || customer.name;
    if (!customer.externalId) {
      plan.problem(
        'MISSING_STABLE_KEY',
        objectName('CUSTOMER', key),
        `Customer "${customer.name}" has no externalId: give it one in the source; it matches the customer across tenants.`,
      );
    }
    const existing = customer.externalId ? target.customers.get(customer.externalId) : undefined;
    const fields: string[] = [];
    if (existing) {
      if (existing.name !== customer.name) fields.push('name');
      if ((existing.description ?? null) !== (customer.description ?? null)) fields.push('description');
      if (!isDeepStrictEqual(existing.labels, customer.labels)) fields.push('labels');
    }
    const input = { name: customer.name, externalId: customer.externalId, description: customer.description ?? null, labels: customer.labels };
    plan.decide(mark, { kind: 'CUSTOMER', key, exists: !!existing, fields }, async (c) => {
      if (existing) await updateCustomer(c.tx, c.actor, existing.id, input);
      else c.ids.set(`customer:${customer.externalId}`, (await createCustomer(c.tx, c.actor, input)).id);
    });
  }
}

/**
 * Instances, matched by customer externalId + integration stableKey + name. An instance that works in the
 * target must keep working; a new one for a customer the target already has must find that customer's
 * values; what a new customer still needs is a note, to set after the apply.
 */
export async function planInstances(
  plan: PlanBuilder,
  bundle: Bundle,
  target: TargetState,
  integrations: Map<string, PlannedIntegration>,
  lookup: ConnectionLookup,
) {
  const bundleCustomers = new Set(bundle.customers.map((c) => c.externalId));
  const scoped = scopedAfterApply(bundle, target);
  for (const instance of bundle.instances) {
    const mark = plan.mark;
    const key = instanceKey(instance);
    const name = objectName('INSTANCE', key);
    if (!instance.customer)
      plan.problem('MISSING_STABLE_KEY', name, `Instance "${instance.name}" belongs to a customer without externalId; give the customer one in the source.`);
    else if (!bundleCustomers.has(instance.customer) && !target.customers.has(instance.customer)) {
      plan.problem('MISSING_REFERENCE', name, `No customer with externalId "${instance.customer}" in the bundle or the target.`);
    }
    const planned = integrations.get(instance.integration);
    const current = target.integrations.get(instance.integration);
    const definition = planned?.definition ?? current?.definition;
    if (!instance.integration)
      plan.problem('MISSING_STABLE_KEY', name, `Instance "${instance.name}" deploys an integration without stableKey; give it one in the source.`);
    else if (!definition) plan.problem('MISSING_REFERENCE', name, `No integration with stableKey "${instance.integration}" in the bundle or the target.`);
    const owner = planned ? planned.customer : current ? ownerExternalIdOf(target, current.integration) : null;
    if (owner !== null && owner !== instance.customer) {
      plan.problem(
        'CUSTOMER_MISMATCH',
        name,
        `Integration "${instance.integration}" is built for another customer: only that customer can have instances of it.`,
      );
    }

    const existing = target.instances.get(key);
    const fields = existing ? changedFields(instance, existing) : [];
    // deployInstance takes the latest available version, so that is what "up to date" compares with.
    const available = current ? target.latestAvailableVersions.get(current.integration.id) : undefined;
    const wantsDeploy = instance.deployed && (!existing?.row.deployedVersionId || !!planned?.newVersion || existing.row.deployedVersionId !== available?.id);
    if (wantsDeploy && !planned?.newVersion && current?.latestVersion && !available) {
      plan.problem(
        'UNAVAILABLE_VERSION',
        name,
        `Every published version of integration "${instance.integration}" in the target is unavailable: make one available (updateIntegrationVersionAvailability) or publish a new one, then sync again.`,
      );
    }
    const notes: string[] = [];
    // A deploy needs the instance's own configuration complete in the target (requireDeployable); its
    // secrets never travel, so until the target sets them the instance is created or updated undeployed.
    let deployable = true;
    if (definition) {
      const customer = target.customers.get(instance.customer);
      const facts = { scoped, target, lookup, customer: customer ?? { id: `new:${instance.customer}`, name: instance.customer } };
      const after = await report(facts, definition, valuesAfter(instance, existing, definition));
      const before = existing && current ? await report({ ...facts, scoped: targetScoped(target) }, current.definition, existing.row.configValues) : null;
      for (const problem of after.missing) {
        if (before?.state === 'FULLY_CONFIGURED')
          plan.problem('INCOMPLETE_CONFIG', name, `The instance would no longer be fully configured: ${problem.message}`);
        else if (problem.kind === 'missing-customer-values' && customer && !existing) plan.problem('MISSING_CUSTOMER_VALUES', name, problem.message);
        else notes.push(problem.message);
      }
      deployable = !after.missing.some(blocksDeploy);
      if (wantsDeploy && !deployable) notes.push('Not deployed: set the values above in the target, then sync again or deploy it.');
    }
    const deploy = wantsDeploy && deployable;
    if (existing && deploy) fields.push('deploy');
    plan.decide(mark, { kind: 'INSTANCE', key, exists: !!existing, fields, notes }, async (c) => {
      const configVariables = configInputs(instance, existing, fields);
      let id = existing?.row.id;
      if (!id) {
        const integrationId = c.ids.get(`integration:${instance.integration}`)!;
        const customerId = c.ids.get(`customer:${instance.customer}`)!;
        const input = { name: instance.name, integrationId, customerId, description: instance.description ?? null, labels: instance.labels, configVariables };
        id = (await createInstance(c.tx, c.vault, c.actor, input)).id;
        if (!instance.enabled) await updateInstance(c.tx, c.vault, c.actor, id, { enabled: false });
      } else {
        if (['description', 'labels', 'enabled'].some((field) => fields.includes(field))) {
          const input = { description: instance.description ?? null, labels: instance.labels, enabled: instance.enabled };
          await updateInstance(c.tx, c.vault, c.actor, id, input);
        }
        if (configVariables.length > 0) await updateInstanceConfigVariables(c.tx, c.vault, c.actor, id, { configVariables });
      }
      if (deploy) await deployInstance(c.tx, c.vault, c.actor, id);
    });
  }
}

function changedFields(instance: BundleInstance, existing: TargetInstance): string[] {
  const row = existing.row;
  const fields: string[] = [];
  if ((row.description ?? null) !== (instance.description ?? null)) fields.push('description');
  if (!isDeepStrictEqual(row.labels, instance.labels)) fields.push('labels');
  if (row.enabled !== instance.enabled) fields.push('enabled');
  for (const [key, value] of Object.entries(instance.values)) {
    const stored = row.configValues[key];
    if (stored?.kind !== 'value' || stored.value !== value) fields.push(`values.${key}`);
  }
  for (const [key, connection] of Object.entries(instance.connections)) {
    for (const [input, value] of Object.entries(connection.values)) {
      if (existing.inlineValues.get(`${key}/${input}`) !== value) fields.push(`connections.${key}.${input}`);
    }
  }
  return fields;
}

/** The config variable inputs an apply sends: all for a new instance, the changed ones for an existing one. */
function configInputs(instance: BundleInstance, existing: TargetInstance | undefined, fields: string[]): InstanceConfigVariableInput[] {
  const inputs: InstanceConfigVariableInput[] = [];
  for (const [key, value] of Object.entries(instance.values)) if (!existing || fields.includes(`values.${key}`)) inputs.push({ key, value });
  for (const [key, connection] of Object.entries(instance.connections)) {
    const changed = Object.entries(connection.values).filter(([input]) => !existing || fields.includes(`connections.${key}.${input}`));
    if (changed.length > 0) inputs.push({ key, values: JSON.stringify(changed.map(([name, value]) => ({ name, type: 'value', value }))) });
  }
  return inputs;
}

/** The stored values the instance will have: which inputs are present is all the config state looks at. */
function valuesAfter(instance: BundleInstance, existing: TargetInstance | undefined, definition: IntegrationDefinition) {
  const values: Record<string, ConfigVariableValue> = { ...existing?.row.configValues };
  for (const [key, value] of Object.entries(instance.values)) values[key] = { kind: 'value', value };
  for (const [key, connection] of Object.entries(instance.connections)) {
    const present = values[key]?.kind === 'inline' ? Object.keys((values[key] as { values: SealedInputs }).values) : [];
    const names = new Set([...present, ...Object.keys(connection.values).filter((name) => connection.values[name] !== '')]);
    values[key] = { kind: 'inline', values: Object.fromEntries([...names].map((name) => [name, {}])) as SealedInputs };
  }
  return withScopedBindings(definition, values);
}

type Scoped = Map<string, Pick<ScopedConfigVariable, 'id' | 'key' | 'stableKey' | 'variableScope'>>;
type ReportFacts = { scoped: Scoped; target: TargetState; lookup: ConnectionLookup; customer: { id: string; name: string } };

const targetScoped = (target: TargetState): Scoped => new Map([...target.connections].map(([stableKey, { row }]) => [stableKey, row]));

/** The target's connections plus the bundle's new ones, as the config state will see them after the apply. */
function scopedAfterApply(bundle: Bundle, target: TargetState): Scoped {
  const scoped = targetScoped(target);
  for (const connection of bundle.connections) {
    if (!scoped.has(connection.stableKey)) scoped.set(connection.stableKey, { id: `new:${connection.stableKey}`, ...connection });
  }
  return scoped;
}

async function report(facts: ReportFacts, definition: IntegrationDefinition, configValues: Record<string, ConfigVariableValue>): Promise<InstanceConfigReport> {
  const connections = new Map<string, ConnectionRecord | null>();
  for (const configVar of definition.requiredConfigVars ?? []) {
    if (configVar.dataType !== 'connection' || !configVar.connection) continue;
    const { component, key } = configVar.connection;
    connections.set(connectionRefKey(component, key), await facts.lookup(component, key));
  }
  const customerValuesByScopedId = new Map<string, string>();
  for (const scv of facts.scoped.values()) {
    if (facts.target.customerValues.has(`${scv.id}/${facts.customer.id}`)) customerValuesByScopedId.set(scv.id, 'present');
  }
  return reportConfig({
    definition,
    configValues,
    customer: facts.customer,
    scopedByStableKey: facts.scoped as Map<string, ScopedConfigVariable>,
    customerValuesByScopedId,
    connections,
    // Tokens are the target's own and never travel: a plan judges the configuration a bundle carries.
    isAuthorized: () => true,
  });
}
