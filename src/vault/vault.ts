import { randomBytes, randomUUID } from 'node:crypto';
import { and, eq, inArray, isNull } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { dataKeys, vaultMeta } from '../db/tables';
import { open, seal, type AeadBox } from './aead';
import type { MasterKey } from './master-key';

/** A stored secret: ciphertext plus the id of the data key that sealed it. Never sent to a client. */
export type SealedValue = AeadBox & { v: 1; dk: string };

/** Whose data key seals a value: the organization's, or one customer's. */
export type KeyOwner = { orgId: string; customerId: string | null };

/**
 * Where a value lives. It is bound into the ciphertext (AES-GCM associated data), so a ciphertext copied
 * onto another record, field or organization fails to decrypt instead of leaking there.
 */
export type SecretSlot = { record: string; field: string };

export type SealedItem = { owner: KeyOwner; slot: SecretSlot; sealed: SealedValue };
export type DataKeyRow = typeof dataKeys.$inferSelect;
/** Loads data key rows by id; a request-scoped DataLoader can stand behind it. */
export type DataKeySource = (ids: string[]) => Promise<DataKeyRow[]>;

export const directDataKeys =
  (db: DbOrTx): DataKeySource =>
  (ids) =>
    db.select().from(dataKeys).where(inArray(dataKeys.id, ids));

export class VaultError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VaultError';
  }
}

const valueAad = (owner: KeyOwner, dk: string, slot: SecretSlot) =>
  `tenantflow/value/v1|org:${owner.orgId}|dk:${dk}|record:${slot.record}|field:${slot.field}`;
const keyAad = (owner: KeyOwner, dk: string) =>
  `tenantflow/data-key/v1|org:${owner.orgId}|customer:${owner.customerId ?? '-'}|dk:${dk}`;

export class Vault {
  constructor(private readonly master: MasterKey) {}

  /** Refuses a master key other than the one this database's data keys were wrapped with. */
  async checkMasterKey(db: DbOrTx) {
    await db.insert(vaultMeta).values({ id: 1, masterKeyId: this.master.id }).onConflictDoNothing();
    const [meta] = await db.select().from(vaultMeta);
    if (meta && meta.masterKeyId !== this.master.id) {
      throw new VaultError(
        `TENANTFLOW_MASTER_KEY (id ${this.master.id}) is not the key this database was encrypted with (id ${meta.masterKeyId}).`,
      );
    }
  }

  async seal(db: DbOrTx, owner: KeyOwner, slot: SecretSlot, plaintext: string): Promise<SealedValue> {
    const { id, key } = await this.dataKeyFor(db, owner);
    return { v: 1, dk: id, ...seal(key, Buffer.from(plaintext, 'utf8'), valueAad(owner, id, slot)) };
  }

  /**
   * Opens many values with one lookup of their data keys (pass a batching `keys` source to share it across
   * a request). Each item fails alone (null) rather than all.
   */
  async openMany(db: DbOrTx | null, items: SealedItem[], keys: DataKeySource = directDataKeys(db!)): Promise<(string | null)[]> {
    if (items.length === 0) return [];
    const rows = await keys([...new Set(items.map((item) => item.sealed.dk))]);
    const byId = new Map(rows.map((row) => [row.id, row]));
    return items.map(({ owner, slot, sealed }) => {
      const row = byId.get(sealed.dk);
      if (!row || row.orgId !== owner.orgId || row.customerId !== owner.customerId) return null;
      try {
        const key = this.unwrap(owner, row);
        return open(key, sealed, valueAad(owner, sealed.dk, slot)).toString('utf8');
      } catch {
        return null;
      }
    });
  }

  async open(db: DbOrTx, owner: KeyOwner, slot: SecretSlot, sealed: SealedValue): Promise<string> {
    const [value] = await this.openMany(db, [{ owner, slot, sealed }]);
    if (value == null) throw new VaultError(`The stored value of ${slot.field} cannot be decrypted.`);
    return value;
  }

  private unwrap(owner: KeyOwner, row: typeof dataKeys.$inferSelect): Buffer {
    if (row.masterKeyId !== this.master.id) throw new VaultError('data key wrapped by another master key');
    return open(this.master.key, JSON.parse(row.wrappedKey) as AeadBox, keyAad(owner, row.id));
  }

  private async dataKeyFor(db: DbOrTx, owner: KeyOwner): Promise<{ id: string; key: Buffer }> {
    const ofOwner = and(
      eq(dataKeys.orgId, owner.orgId),
      owner.customerId ? eq(dataKeys.customerId, owner.customerId) : isNull(dataKeys.customerId),
    );
    let [row] = await db.select().from(dataKeys).where(ofOwner);
    if (!row) {
      const id = randomUUID();
      const wrapped = seal(this.master.key, randomBytes(32), keyAad(owner, id));
      // Two writers creating the owner's first key at once: the unique index keeps one, both use it.
      await db
        .insert(dataKeys)
        .values({ id, orgId: owner.orgId, customerId: owner.customerId, wrappedKey: JSON.stringify(wrapped), masterKeyId: this.master.id })
        .onConflictDoNothing();
      [row] = await db.select().from(dataKeys).where(ofOwner);
    }
    if (!row) throw new VaultError('the data key vanished while it was created (was the customer deleted?)');
    return { id: row.id, key: this.unwrap(owner, row) };
  }
}
