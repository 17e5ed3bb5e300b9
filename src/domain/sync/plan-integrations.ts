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

/** What the instances' plan needs to know about each integration the target will have after the apply. */
export type PlannedIntegration = { definition: IntegrationDefinition; newVersion: boolean };

/**
 * Integrations, matched by their definition's stable key. Every stable key and component a definition names
 * must be in the bundle or the target. The draft is replaced through importIntegration and, when the
 * source has published it, published, so that instances can deploy exactly this definition.
 */
export function planIntegrations(plan: PlanBuilder, bundle: Bundle, target: TargetState): Map<string, PlannedIntegration> {
  const planned = new Map<string, PlannedIntegration>();
  const connectionKeys = new Set([...bundle.connections.map((c) => c.stableKey), ...target.connections.keys()]);
  const componentKeys = new Set([...bundle.components.map((c) => c.key), ...target.components.keys()]);
  bundle.integrations.forEach((integration, index) => {
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

    const text = serializeIntegrationDefinition(definition);
    const existing = definition.stableKey ? target.integrations.get(definition.stableKey) : undefined;
    const fields = existing ? changedFields(existing.integration.definition, definition) : [];
    const latest = existing?.latestVersion ? serializeIntegrationDefinition(existing.latestVersion.definition) : null;
    const publish = integration.published && latest !== text;
    // A new version follows from a changed draft; "publish" alone says only the publishing is missing.
    if (existing && publish && fields.length === 0) fields.push('publish');
    if (definition.stableKey) planned.set(definition.stableKey, { definition, newVersion: publish });

    plan.decide(mark, { kind: 'INTEGRATION', key, exists: !!existing, fields }, async (c) => {
      const { integration: row } = await importIntegration(c.tx, c.vault, c.actor, { definition: text });
      c.ids.set(`integration:${definition.stableKey}`, row.id);
      if (publish) await publishIntegration(c.tx, c.actor, row.id, { comment: 'tenant sync' });
    });
  });
  return planned;
}

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
