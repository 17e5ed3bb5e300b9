import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { count, ne } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { dataKeys, vaultMeta } from '../db/tables';
import { masterKeyFile, masterKeyFrom, type MasterKey } from './master-key';
import { Vault, VaultError } from './vault';

export type RotationSettings = { fromEnv: string | undefined; previous: string[]; dataDir: string };

export type RotationResult = {
  rotated: number;
  keyId: string;
  /** The key file now holding the new key, when the keys came from (or were also kept in) DATA_DIR. */
  keyFileUpdated: string | null;
};

/**
 * Re-wraps every data key with the new master key and leaves the key where the next start reads it.
 * - TENANTFLOW_MASTER_KEY set: that is the new key; the previous ones are TENANTFLOW_PREVIOUS_MASTER_KEYS and
 *   DATA_DIR/master-key (the default setup's key), which is then overwritten with the new key, so a
 *   restart without the variable still opens the database.
 * - Not set: the key lives in DATA_DIR/master-key; a new key is generated into `master-key.next` first (an
 *   interrupted rotation resumes with it, nothing is lost), and replaces the file once all are re-wrapped.
 */
export async function rotateMasterKey(db: DbOrTx, settings: RotationSettings): Promise<RotationResult> {
  const file = masterKeyFile(settings.dataDir);
  const next = `${file}.next`;
  const fileKey = fs.existsSync(file) ? masterKeyFrom(fs.readFileSync(file, 'utf8').trim(), `the master key file ${file}`) : null;
  const previous = settings.previous.map((key) => masterKeyFrom(key, 'TENANTFLOW_PREVIOUS_MASTER_KEYS'));
  let current: MasterKey;
  if (settings.fromEnv) {
    current = masterKeyFrom(settings.fromEnv);
  } else {
    if (!fileKey) throw new VaultError(`Nothing to rotate from: set TENANTFLOW_MASTER_KEY to the new key, or keep the current key in ${file}.`);
    if (!fs.existsSync(next)) fs.writeFileSync(next, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
    current = masterKeyFrom(fs.readFileSync(next, 'utf8').trim(), `the new master key file ${next}`);
  }
  if (fileKey && fileKey.id !== current.id) previous.push(fileKey);
  await requireEveryWrappingKey(db, [current, ...previous], settings, file);
  const rotated = await new Vault(current, previous).rotate(db);
  // A server still on the previous key may have created a data key meanwhile: the old key stays until none is left.
  const [left] = await db.select({ n: count() }).from(dataKeys).where(ne(dataKeys.masterKeyId, current.id));
  if ((left?.n ?? 0) > 0)
    throw new VaultError(`${left!.n} data keys were created with the previous master key during the rotation; run \`tenantflow vault rotate\` again.`);
  let keyFileUpdated: string | null = null;
  if (fileKey && fileKey.id !== current.id) {
    replaceKeyFile(file, current.key.toString('base64'));
    keyFileUpdated = file;
  }
  if (fs.existsSync(next)) fs.rmSync(next);
  return { rotated, keyId: current.id, keyFileUpdated };
}

/** Names the missing key before anything is touched, instead of failing on the first data key it cannot open. */
async function requireEveryWrappingKey(db: DbOrTx, known: MasterKey[], settings: RotationSettings, file: string) {
  const inUse = new Set([
    ...(await db.selectDistinct({ id: dataKeys.masterKeyId }).from(dataKeys)).map((row) => row.id),
    ...(await db.select({ id: vaultMeta.masterKeyId }).from(vaultMeta)).map((row) => row.id),
  ]);
  const missing = [...inUse].filter((id) => !known.some((key) => key.id === id));
  if (missing.length === 0) return;
  const given = settings.fromEnv ? 'TENANTFLOW_MASTER_KEY, TENANTFLOW_PREVIOUS_MASTER_KEYS' : file;
  throw new VaultError(
    `The database's data keys are wrapped by master key id ${missing.join(', ')}, which is not among the keys given (${given}): ` +
      `set TENANTFLOW_PREVIOUS_MASTER_KEYS to the key used until now (with the default setup, the content of ${file} from before the change) and run \`tenantflow vault rotate\` again.`,
  );
}

/** Written beside the old file and renamed over it: a crash leaves one whole key file, never half of one. */
function replaceKeyFile(file: string, base64: string) {
  const temporary = path.join(path.dirname(file), `.master-key.${process.pid}.tmp`);
  fs.writeFileSync(temporary, base64, { mode: 0o600 });
  fs.renameSync(temporary, file);
}
