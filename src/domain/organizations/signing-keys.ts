import { createPublicKey } from 'node:crypto';
import { and, asc, eq } from 'drizzle-orm';
import { exportPKCS8, exportSPKI, generateKeyPair } from 'jose';
import type { DbOrTx } from '../../db/client';
import { signingKeys } from '../../db/tables';
import { requireOrgAdmin, requireOrgUser, type Actor } from '../actor';
import { invalid, NotFoundError } from '../errors';

export type SigningKey = typeof signingKeys.$inferSelect;

const MIN_RSA_BITS = 2048;

export async function listSigningKeys(db: DbOrTx, actor: Actor): Promise<SigningKey[]> {
  requireOrgUser(actor, 'read signing keys');
  return db.select().from(signingKeys).where(eq(signingKeys.orgId, actor.orgId)).orderBy(asc(signingKeys.issuedAt));
}

/** Generates an RSA pair; the private key is returned once and only its last 8 characters are kept. */
export async function createSigningKey(db: DbOrTx, actor: Actor): Promise<{ key: SigningKey; privateKey: string }> {
  requireOrgAdmin(actor, 'create signing keys');
  const pair = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
  const privateKey = await exportPKCS8(pair.privateKey);
  const publicKey = await exportSPKI(pair.publicKey);
  const preview = privateKey.replace(/-----[A-Z ]+-----|\s/g, '').slice(-8);
  const [key] = await db.insert(signingKeys).values({ orgId: actor.orgId, publicKey, privateKeyPreview: preview, imported: false }).returning();
  return { key: key!, privateKey };
}

export async function importSigningKey(db: DbOrTx, actor: Actor, input: { publicKey: string }): Promise<SigningKey> {
  requireOrgAdmin(actor, 'import signing keys');
  const publicKey = normalizeRsaPublicKey(input.publicKey);
  const [key] = await db.insert(signingKeys).values({ orgId: actor.orgId, publicKey, privateKeyPreview: null, imported: true }).returning();
  return key!;
}

export async function deleteSigningKey(db: DbOrTx, actor: Actor, id: string): Promise<SigningKey> {
  requireOrgAdmin(actor, 'delete signing keys');
  const [key] = await db
    .delete(signingKeys)
    .where(and(eq(signingKeys.orgId, actor.orgId), eq(signingKeys.id, id)))
    .returning();
  if (!key) throw new NotFoundError();
  return key;
}

/** Accepts an RSA public key as SPKI or PKCS#1 PEM and stores it as SPKI, which jose verifies with. */
function normalizeRsaPublicKey(pem: string): string {
  let key;
  try {
    key = createPublicKey({ key: pem ?? '', format: 'pem' });
  } catch {
    throw invalid('publicKey', 'Must be an RSA public key in PEM format (-----BEGIN PUBLIC KEY-----).');
  }
  if (key.asymmetricKeyType !== 'rsa') throw invalid('publicKey', 'Must be an RSA key; embedded tokens are signed with RS256.');
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_RSA_BITS) throw invalid('publicKey', `RSA keys must have at least ${MIN_RSA_BITS} bits.`);
  return key.export({ type: 'spki', format: 'pem' }).toString();
}
