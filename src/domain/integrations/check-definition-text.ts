import type { DbOrTx } from '../../db/client';
import type { Actor } from '../actor';
import { parseIntegrationDefinition, readDefinitionText } from './definition';
import { checkPrismaticDefinition } from './prismatic-check';
import { isPrismaticDefinition } from './prismatic-yaml';
import { checkDefinitionAgainstTenant, type CheckedDefinition } from './tenant-check';

/**
 * Parses definition text (tenantflow's format, or Prismatic's YAML when it has `definitionVersion`) and
 * checks it against the actor's tenant; every problem is reported at once.
 */
export async function checkDefinitionText(db: DbOrTx, actor: Actor, text: string): Promise<CheckedDefinition> {
  const read = readDefinitionText(text);
  if (!read.ok) return read;
  if (isPrismaticDefinition(read.value)) return checkPrismaticDefinition(db, actor, read.value);
  const parsed = parseIntegrationDefinition(read.value as object);
  if (!parsed.ok) return parsed;
  const errors = await checkDefinitionAgainstTenant(db, actor, parsed.value);
  return errors.length > 0 ? { ok: false, errors } : parsed;
}
