import { and, eq, inArray } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { envVariables } from '../../db/tables';
import type { Vault } from '../../vault/vault';
import { envOwner, envSlot } from './env-variables';
import { envTemplateValue } from './validate';

/** An env variable opened for a run: what templates see, and the text to redact when it is secret. */
export type OpenedEnvVariable = { name: string; value: unknown; secretText: string | null };

/**
 * Opens the named variables (or all of them) of one organization for a run: the engine acts for the
 * organization, so no permission check beyond it. Names that do not exist are simply absent.
 */
export async function openEnvVariables(db: DbOrTx, vault: Vault, orgId: string, names: readonly string[] | 'all'): Promise<Map<string, OpenedEnvVariable>> {
  const opened = new Map<string, OpenedEnvVariable>();
  if (names.length === 0) return opened;
  const rows = await db
    .select()
    .from(envVariables)
    .where(and(eq(envVariables.orgId, orgId), names === 'all' ? undefined : inArray(envVariables.name, [...names])));
  const texts = await vault.openMany(
    db,
    rows.map((row) => ({ owner: envOwner(orgId), slot: envSlot(row.id), sealed: row.value })),
  );
  for (const [i, row] of rows.entries()) {
    const text = texts[i];
    if (text == null) throw new Error(`the stored value of env variable "${row.name}" cannot be decrypted`);
    opened.set(row.name, { name: row.name, value: envTemplateValue(text, row.valueType), secretText: row.isSecret ? text : null });
  }
  return opened;
}
