import type { DbOrTx } from '../../db/client';
import type { Actor } from '../actor';
import { findComponentByKey } from '../components/registry';
import { collectActionRefs, collectConnectionRefs, parseIntegrationDefinition, type DefinitionError } from './definition';
import { prismaticToDefinition } from './prismatic-yaml';
import { checkDefinitionAgainstTenant, type CheckedDefinition } from './tenant-check';

/**
 * A Prismatic definition converted and checked like a tenantflow one, every problem at its place in the
 * Prismatic YAML. A component this tenant lacks gets one error per step or connection that uses it, at
 * `….component.key`, instead of the tenantflow-path error the tenant check gives for it.
 */
export async function checkPrismaticDefinition(db: DbOrTx, actor: Actor, data: Record<string, unknown>): Promise<CheckedDefinition> {
  const converted = prismaticToDefinition(data);
  if (!converted.ok) return converted;
  const parsed = parseIntegrationDefinition(converted.definition);
  if (!parsed.ok) return { ok: false, errors: converted.paths.translateErrors(parsed.errors) };

  const unavailable: DefinitionError[] = [];
  const unavailablePaths = new Set<string>();
  const found = new Map<string, boolean>();
  for (const ref of [...collectConnectionRefs(parsed.value), ...collectActionRefs(parsed.value)]) {
    if (!found.has(ref.component)) found.set(ref.component, (await findComponentByKey(db, actor, ref.component)) !== null);
    if (found.get(ref.component)) continue;
    unavailablePaths.add(ref.path);
    unavailable.push({ path: `${converted.paths.translate(ref.path)}.component.key`, message: `component "${ref.component}" is not available` });
  }
  const others = (await checkDefinitionAgainstTenant(db, actor, parsed.value)).filter((error) => !unavailablePaths.has(error.path));
  const errors = [...unavailable, ...converted.paths.translateErrors(others)];
  return errors.length > 0 ? { ok: false, errors } : parsed;
}
