import { and, eq, inArray } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { customerConfigVariables, type SealedInputs } from '../../db/tables';
import type { KeyOwner } from '../../vault/vault';
import type { ConfigVariableReport } from './config-state';
import type { Instance } from './instances';

/** Stored, still sealed values of some inputs of a connection: where they are sealed (owner, record) and which inputs they hold. */
export type SealedInputSource = { owner: KeyOwner; recordId: string; values: SealedInputs; inputs: ReadonlySet<string> };

/**
 * Where the inputs of instance connections that use an organization's connection are stored: the
 * connection's global values (inputs scoped `org`) and the instance's customer's values (inputs scoped
 * `customer`). One statement for all of them; nothing is opened here. An empty list for other config
 * variables and for connections this tenant lacks.
 */
export async function scopedInputSourcesOf(db: DbOrTx, items: readonly { instance: Instance; report: ConfigVariableReport }[]): Promise<SealedInputSource[][]> {
  const ids = [...new Set(items.flatMap(({ report }) => (report.customerConfigVariableId ? [report.customerConfigVariableId] : [])))];
  const orgId = items[0]?.instance.orgId;
  const customerRows =
    ids.length && orgId
      ? await db
          .select({ id: customerConfigVariables.id, customerId: customerConfigVariables.customerId, values: customerConfigVariables.values })
          .from(customerConfigVariables)
          .where(and(eq(customerConfigVariables.orgId, orgId), inArray(customerConfigVariables.id, ids)))
      : [];
  return items.map(({ instance, report }) => {
    const scoped = report.scopedConfigVariable;
    if (!scoped) return [];
    const scopeOf = (input: string) => scoped.inputScopes[input] ?? 'customer';
    const global: SealedInputSource = {
      owner: { orgId: scoped.orgId, customerId: null },
      recordId: scoped.id,
      values: scoped.globalValues,
      inputs: new Set(Object.keys(scoped.inputScopes).filter((input) => scopeOf(input) === 'org')),
    };
    const own = customerRows.find((row) => row.id === report.customerConfigVariableId && row.customerId === instance.customerId);
    if (!own) return [global];
    const customerInputs = new Set(Object.keys(own.values).filter((input) => scopeOf(input) === 'customer'));
    return [global, { owner: { orgId: scoped.orgId, customerId: own.customerId }, recordId: own.id, values: own.values, inputs: customerInputs }];
  });
}
