import { hkdfSync, randomBytes, randomUUID } from 'node:crypto';
import { and, asc, count, eq, gt, inArray, isNull, ne } from 'drizzle-orm';
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

/** An owner's unwrapped data key; `created` is set for a new key not yet stored (its wrapped form). */
export type SealingKey = { id: string; key: Buffer; created: { wrappedKey: string; masterKeyId: string } | null };

export type SealedItem = { owner: KeyOwner; slot: SecretSlot; sealed: SealedValue };
export type DataKeyRow = typeof dataKeys.$inferSelect;
/** Loads data key rows by id; a request-scoped DataLoader can stand behind it. */
export type DataKeySource = (ids: string[]) => Promise<DataKeyRow[]>;

export const directDataKeys =
  (db: DbOrTx): DataKeySource =>
  (ids) =>
    db.select().from(dataKeys).where(inArray(dataKeys.id, ids));

/** The condition that finds an owner's data key (one per owner). */
const dataKeyOf = (owner: KeyOwner) =>
  and(eq(dataKeys.orgId, owner.orgId), owner.customerId ? eq(dataKeys.customerId, owner.customerId) : isNull(dataKeys.customerId))!;

export class VaultError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VaultError';
  }
}

const valueAad = (owner: KeyOwner, dk: string, slot: SecretSlot) => `tenantflow/value/v1|org:${owner.orgId}|dk:${dk}|record:${slot.record}|field:${slot.field}`;
const keyAad = (owner: KeyOwner, dk: string) => `tenantflow/data-key/v1|org:${owner.orgId}|customer:${owner.customerId ?? '-'}|dk:${dk}`;

const TOKEN_IV_BYTES = 12;
const TOKEN_TAG_BYTES = 16;
const tokenAad = (purpose: string) => `tenantflow/token/v1|purpose:${purpose}`;
// A key of its own per purpose: a token of one kind never opens as another, and no value key is reused.
const tokenKey = (master: MasterKey, purpose: string) => Buffer.from(hkdfSync('sha256', master.key, Buffer.alloc(0), tokenAad(purpose), 32));

export class Vault {
  /** `previous`: keys being rotated away from; they still unwrap the data keys not yet re-wrapped. */
  constructor(
    private readonly master: MasterKey,
    private readonly previous: MasterKey[] = [],
  ) {}

  /** Refuses a master key other than the one this database's data keys were wrapped with (or are moving from). */
  async checkMasterKey(db: DbOrTx) {
    await db.insert(vaultMeta).values({ id: 1, masterKeyId: this.master.id }).onConflictDoNothing();
    const [meta] = await db.select().from(vaultMeta);
    if (meta && meta.masterKeyId !== this.master.id && !this.previous.some((key) => key.id === meta.masterKeyId)) {
      throw new VaultError(`${this.master.source} (id ${this.master.id}) is not the key this database was encrypted with (id ${meta.masterKeyId}).`);
    }
  }

  async seal(db: DbOrTx, owner: KeyOwner, slot: SecretSlot, plaintext: string): Promise<SealedValue> {
    const [sealed] = await this.sealMany(db, owner, [{ slot, plaintext }]);
    return sealed!;
  }

  /** Seals several values of one owner with one lookup of its data key. */
  async sealMany(db: DbOrTx, owner: KeyOwner, items: { slot: SecretSlot; plaintext: string }[]): Promise<SealedValue[]> {
    if (items.length === 0) return [];
    return this.sealWith(await this.dataKeyFor(db, owner), owner, items);
  }

  /**
   * The key that seals an owner's values, without touching the database: its stored data key (`found`), or a
   * new one whose wrapped form (`created`) the caller must store before (or with) the values it seals.
   */
  sealingKey(owner: KeyOwner, found: DataKeyRow | null): SealingKey {
    if (found) return { id: found.id, key: this.unwrap(owner, found), created: null };
    const id = randomUUID();
    const key = randomBytes(32);
    return { id, key, created: { wrappedKey: JSON.stringify(seal(this.master.key, key, keyAad(owner, id))), masterKeyId: this.master.id } };
  }

  sealWith(sealingKey: SealingKey, owner: KeyOwner, items: { slot: SecretSlot; plaintext: string }[]): SealedValue[] {
    const { id, key } = sealingKey;
    return items.map(({ slot, plaintext }) => ({ v: 1, dk: id, ...seal(key, Buffer.from(plaintext, 'utf8'), valueAad(owner, id, slot)) }));
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

  /**
   * Seals a short-lived token the server hands out and later reads back itself (an OAuth 2.0 `state`):
   * AES-256-GCM under a key derived from the master key for `purpose`, so recognising it later needs no
   * stored row, and nobody without the master key can read, alter or forge one. Base64url, URL-safe.
   */
  sealToken(purpose: string, plaintext: string): string {
    const box = seal(tokenKey(this.master, purpose), Buffer.from(plaintext, 'utf8'), tokenAad(purpose));
    return Buffer.concat([Buffer.from(box.iv, 'base64'), Buffer.from(box.tag, 'base64'), Buffer.from(box.ct, 'base64')]).toString('base64url');
  }

  /** The plaintext of a token sealed for `purpose` (by this master key or one being rotated away from); null for anything else. */
  openToken(purpose: string, token: string): string | null {
    const bytes = Buffer.from(token, 'base64url');
    if (bytes.length < TOKEN_IV_BYTES + TOKEN_TAG_BYTES) return null;
    const box = {
      iv: bytes.subarray(0, TOKEN_IV_BYTES).toString('base64'),
      tag: bytes.subarray(TOKEN_IV_BYTES, TOKEN_IV_BYTES + TOKEN_TAG_BYTES).toString('base64'),
      ct: bytes.subarray(TOKEN_IV_BYTES + TOKEN_TAG_BYTES).toString('base64'),
    };
    for (const master of [this.master, ...this.previous]) {
      try {
        return open(tokenKey(master, purpose), box, tokenAad(purpose)).toString('utf8');
      } catch {
        // Not sealed by this key: try the next one.
      }
    }
    return null;
  }

  private unwrap(owner: KeyOwner, row: DataKeyRow): Buffer {
    const wrapping = [this.master, ...this.previous].find((key) => key.id === row.masterKeyId);
    if (!wrapping) throw new VaultError('data key wrapped by an unknown master key');
    return open(wrapping.key, JSON.parse(row.wrappedKey) as AeadBox, keyAad(owner, row.id));
  }

  /**
   * Re-wraps every data key still wrapped by a previous master key (values are not touched: only data keys
   * are wrapped by the master key). Online: each row is swapped with compare-and-set, so a concurrent writer
   * is never overwritten, and servers keep running with the previous keys configured until it is done.
   * Returns how many data keys were re-wrapped; when none is left, the database is marked as the new key's.
   */
  async rotate(db: DbOrTx, scope: { orgId?: string; batchSize?: number } = {}): Promise<number> {
    let rotated = 0;
    for (let after = '00000000-0000-0000-0000-000000000000'; ;) {
      const batch = await db
        .select()
        .from(dataKeys)
        .where(and(ne(dataKeys.masterKeyId, this.master.id), gt(dataKeys.id, after), scope.orgId ? eq(dataKeys.orgId, scope.orgId) : undefined))
        .orderBy(asc(dataKeys.id))
        .limit(scope.batchSize ?? 200);
      if (batch.length === 0) break;
      for (const row of batch) {
        const owner = { orgId: row.orgId, customerId: row.customerId };
        const rewrapped = JSON.stringify(seal(this.master.key, this.unwrap(owner, row), keyAad(owner, row.id)));
        const updated = await db
          .update(dataKeys)
          .set({ wrappedKey: rewrapped, masterKeyId: this.master.id })
          .where(and(eq(dataKeys.id, row.id), eq(dataKeys.wrappedKey, row.wrappedKey)))
          .returning({ id: dataKeys.id });
        rotated += updated.length;
      }
      after = batch.at(-1)!.id;
    }
    const [left] = await db.select({ n: count() }).from(dataKeys).where(ne(dataKeys.masterKeyId, this.master.id));
    if ((left?.n ?? 0) === 0) await db.update(vaultMeta).set({ masterKeyId: this.master.id });
    return rotated;
  }

  private async dataKeyFor(db: DbOrTx, owner: KeyOwner): Promise<SealingKey> {
    const ofOwner = dataKeyOf(owner);
    const [row] = await db.select().from(dataKeys).where(ofOwner);
    if (row) return this.sealingKey(owner, row);
    const fresh = this.sealingKey(owner, null);
    // Two writers creating the owner's first key at once: the unique index keeps one, both use it (the loser
    // reads the winner's; the usual case, a new owner, costs this one statement).
    const [inserted] = await db
      .insert(dataKeys)
      .values({ id: fresh.id, orgId: owner.orgId, customerId: owner.customerId, ...fresh.created! })
      .onConflictDoNothing()
      .returning({ id: dataKeys.id });
    if (inserted) return fresh;
    const [winner] = await db.select().from(dataKeys).where(ofOwner);
    if (!winner) throw new VaultError('the data key vanished while it was created (was the customer deleted?)');
    return this.sealingKey(owner, winner);
  }
}
