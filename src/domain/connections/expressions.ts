import type { SealedInputs } from '../../db/tables';
import type { DataKeySource, KeyOwner, Vault } from '../../vault/vault';
import type { InputFieldDefinition } from '../components';
import { isSecret } from './input-expressions';

/** What a client sees of an input value: secrets never leave, `hasValue` tells that one is set. */
export type Expression = { name: string; type: 'VALUE'; value: string | null; hasValue: boolean; meta: string | null };

/**
 * Describes stored values for a response. Only non-secret values are decrypted (to be shown); a PASSWORD
 * input is reported by `hasValue` alone and its ciphertext is never opened here.
 */
export async function describeValues(
  vault: Vault,
  keys: DataKeySource,
  opts: { owner: KeyOwner; recordId: string; fields: InputFieldDefinition[]; values: SealedInputs; meta?: (field: InputFieldDefinition) => string | null },
): Promise<Expression[]> {
  const shown = opts.fields.filter((field) => !isSecret(field) && opts.values[field.key]);
  const opened = await vault.openMany(
    null,
    shown.map((field) => ({ owner: opts.owner, slot: { record: opts.recordId, field: field.key }, sealed: opts.values[field.key]! })),
    keys,
  );
  const plain = new Map(shown.map((field, i) => [field.key, opened[i] ?? null]));
  return opts.fields.map((field) => ({
    name: field.key,
    type: 'VALUE',
    value: plain.get(field.key) ?? null,
    hasValue: Boolean(opts.values[field.key]),
    meta: opts.meta?.(field) ?? null,
  }));
}
