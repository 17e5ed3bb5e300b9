import { isDeepStrictEqual } from 'node:util';
import { findBuiltinComponent } from '../components/catalog';
import {
  collectActionRefs,
  collectConnectionRefs,
  collectScopedConfigVarRefs,
  parseIntegrationDefinition,
  serializeIntegrationDefinition,
  type IntegrationDefinition,
} from '../integrations/definition';
import { importIntegration } from '../integrations/integrations';
import { publishIntegration } from '../integrations/versions';
import type { Bundle } from './bundle';
import { objectName, type PlanBuilder } from './plan-types';
import type { TargetState } from './target';

/**
 * What the instances' plan needs to know about each integration the target will have after the apply;
 * `customer`: the externalId of the customer it is built for, null for the organization's own.
 */
export type PlannedIntegration = { definition: IntegrationDefinition; newVersion: boolean; customer: string | null };

/**
 * Integrations, matched by their definition's stable key. Every stable key and component a definition names
 * must be in the bundle or the target. The draft is replaced through importIntegration and, when the
 * source has published it, published, so that instances can deploy exactly this definition.
 * Customer-specific integrations are planned in their own pass, after the customers: an apply creates their
 * customer first. An integration's customer never changes, so a target one with another owner is a problem.
 */
export function planIntegrations(
  plan: PlanBuilder,
  bundle: Bundle,
  target: TargetState,
  { customerSpecific }: { customerSpecific: boolean },
): Map<string, PlannedIntegration> {
  const planned = new Map<string, PlannedIntegration>();
  const connectionKeys = new Set([...bundle.connections.map((c) => c.stableKey), ...target.connections.keys()]);
  const componentKeys = new Set([...bundle.components.map((c) => c.key), ...target.components.keys()]);
  const bundleCustomers = new Set(bundle.customers.map((c) => c.externalId));
  bundle.integrations.forEach((integration, index) => {
    if ((integration.customer != null) !== customerSpecific) return;
    const mark = plan.mark;
    const parsed = parseIntegrationDefinition(integration.definition);
    if (!parsed.ok) {
      const name = objectName('INTEGRATION', `#${index + 1}`);
      plan.problem('INVALID_BUNDLE', name, parsed.errors.map((e) => `${e.path}: ${e.message}`).join('; '));
      plan.decide(mark, { kind: 'INTEGRATION', key: `#${index + 1}`, exists: false, fields: [] }, null);
      return;
    }
    const definition = parsed.value;
    const key = definition.stableKey ?? definition.name;
    const name = objectName('INTEGRATION', key);
    if (!definition.stableKey) {
      plan.problem(
        'MISSING_STABLE_KEY',
        name,
        `Integration "${definition.name}" has no stableKey: give its definition one in the source; it matches the integration across tenants.`,
      );
    }
    for (const ref of collectScopedConfigVarRefs(definition)) {
      if (!connectionKeys.has(ref.stableKey)) {
        plan.problem('MISSING_REFERENCE', name, `${ref.path}: no connection with stable key "${ref.stableKey}" in the bundle or the target.`);
      }
    }
    const components = new Set([...collectConnectionRefs(definition), ...collectActionRefs(definition)].map((ref) => ref.component));
    for (const component of components) {
      if (!findBuiltinComponent(component) && !componentKeys.has(component)) {
        plan.problem('MISSING_REFERENCE', name, `Component "${component}" exists neither in the bundle nor in the target.`);
      }
    }

    const customer = integration.customer ?? null;
    if (customer === '') {
      plan.problem(
        'MISSING_STABLE_KEY',
        name,
        `Integration "${definition.name}" belongs to a customer without externalId; give the customer one in the source.`,
      );
    } else if (customer && !bundleCustomers.has(customer) && !target.customers.has(customer)) {
      plan.problem('MISSING_REFERENCE', name, `No customer with externalId "${customer}" in the bundle or the target.`);
    }

    const text = serializeIntegrationDefinition(definition);
    const existing = definition.stableKey ? target.integrations.get(definition.stableKey) : undefined;
    const targetCustomer = existing ? ownerExternalIdOf(target, existing.integration) : null;
    if (existing && targetCustomer !== customer) {
      plan.problem(
        'CUSTOMER_MISMATCH',
        name,
        `In this tenant the integration is ${describeOwner(targetCustomer)}'s, in the bundle ${describeOwner(customer)}'s: an integration's customer cannot change.`,
      );
    }
    const fields = existing ? changedFields(existing.integration.definition, definition) : [];
    const latest = existing?.latestVersion ? serializeIntegrationDefinition(existing.latestVersion.definition) : null;
    const publish = integration.published && latest !== text;
    // A new version follows from a changed draft; "publish" alone says only the publishing is missing.
    if (existing && publish && fields.length === 0) fields.push('publish');
    if (definition.stableKey) planned.set(definition.stableKey, { definition, newVersion: publish, customer });

    plan.decide(mark, { kind: 'INTEGRATION', key, exists: !!existing, fields }, async (c) => {
      const customerId = customer ? c.ids.get(`customer:${customer}`) : null;
      const { integration: row } = await importIntegration(c.tx, c.vault, c.actor, { definition: text, customerId });
      c.ids.set(`integration:${definition.stableKey}`, row.id);
      if (publish) await publishIntegration(c.tx, c.actor, row.id, { comment: 'tenant sync' });
    });
  });
  return planned;
}

/** The externalId of the target customer an integration is built for ("" when it has none); null: the organization's own. */
export function ownerExternalIdOf(target: TargetState, integration: { customerId: string | null }): string | null {
  if (!integration.customerId) return null;
  return externalIdsOf(target).get(integration.customerId) ?? '';
}

// Customer id → externalId of a target, built once per plan: a plan asks for every integration and instance.
const externalIds = new WeakMap<TargetState, Map<string, string>>();
function externalIdsOf(target: TargetState): Map<string, string> {
  let byId = externalIds.get(target);
  if (!byId) externalIds.set(target, (byId = new Map([...target.customers].map(([externalId, row]) => [row.id, externalId]))));
  return byId;
}

const describeOwner = (customer: string | null) =>
  customer === null ? 'the organization' : customer === '' ? 'a customer without externalId' : `customer "${customer}"`;

/** `name`, `description`, `requiredConfigVars.<key>` and `flows.<stableKey>` that differ, added or removed. */
function changedFields(before: IntegrationDefinition, after: IntegrationDefinition): string[] {
  const fields: string[] = [];
  if (before.name !== after.name) fields.push('name');
  if ((before.description ?? null) !== (after.description ?? null)) fields.push('description');
  const byKey = <T>(list: T[] | undefined, key: (item: T) => string) => new Map((list ?? []).map((item) => [key(item), item]));
  const compare = (prefix: string, a: Map<string, unknown>, b: Map<string, unknown>) => {
    for (const key of new Set([...a.keys(), ...b.keys()])) if (!isDeepStrictEqual(a.get(key), b.get(key))) fields.push(`${prefix}.${key}`);
  };
  compare(
    'requiredConfigVars',
    byKey(before.requiredConfigVars, (v) => v.key),
    byKey(after.requiredConfigVars, (v) => v.key),
  );
  compare(
    'flows',
    byKey(before.flows, (f) => f.stableKey),
    byKey(after.flows, (f) => f.stableKey),
  );
  if (fields.length === 0 && serializeIntegrationDefinition(before) !== serializeIntegrationDefinition(after)) fields.push('flows');
  return fields;
}
