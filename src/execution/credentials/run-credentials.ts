import type { DbOrTx } from '../../db/client';
import type { customerConfigVariables, scopedConfigVariables } from '../../db/tables';
import { directDataKeys, type DataKeyRow, type DataKeySource } from '../../vault/vault';

/**
 * The credential rows a run's connections may use, read by the claiming statement (engine/lease.ts) so a
 * step plans and opens its credential without a round trip: the organization's scoped config variables
 * named by the definition's stable keys, this customer's values of them (a test run's test values) and the
 * data keys of the organization and the customer. A run uses the credentials as they were when it was claimed.
 */
export type RunCredentialRows = {
  scoped: (typeof scopedConfigVariables.$inferSelect)[];
  customerValues: (typeof customerConfigVariables.$inferSelect)[];
  dataKeys: DataKeyRow[];
};

/** Data keys from the run's rows; one read for any the claim did not bring (a key made since, another owner's). */
export function runDataKeys(db: DbOrTx, rows: RunCredentialRows): DataKeySource {
  const known = new Map(rows.dataKeys.map((row) => [row.id, row]));
  return async (ids) => {
    const missing = ids.filter((id) => !known.has(id));
    const loaded = missing.length > 0 ? await directDataKeys(db)(missing) : [];
    return [...ids.flatMap((id) => known.get(id) ?? []), ...loaded];
  };
}
