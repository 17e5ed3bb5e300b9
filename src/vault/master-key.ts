import { createHmac, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { count } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { dataKeys, vaultMeta } from '../db/tables';

/** `source` names where the key came from (a variable or a file), so every key error points at it. */
export type MasterKey = { key: Buffer; id: string; source: string };

export class MasterKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MasterKeyError';
  }
}

const ENV = 'TENANTFLOW_MASTER_KEY';

export function masterKeyFrom(base64: string, source = ENV): MasterKey {
  const key = Buffer.from(base64, 'base64');
  if (key.length !== 32) throw new MasterKeyError(`${source} does not hold a master key: it must be 32 bytes, base64-encoded.`);
  // A fingerprint, not the key: it names the key in the database without revealing it.
  return { key, id: createHmac('sha256', key).update('tenantflow master key id').digest('hex').slice(0, 16), source };
}

export const masterKeyFile = (dataDir: string) => path.join(dataDir, 'master-key');

/**
 * TENANTFLOW_MASTER_KEY when set; otherwise a key generated once into the data dir (mode 0600), which is
 * what a single machine with the embedded database needs. Several machines must share one key via the env.
 * A key is generated only for a database that holds no encrypted data yet: a lost key file must be
 * restored, never silently replaced by a key that opens nothing.
 */
export async function loadMasterKey(opts: { fromEnv: string | undefined; dataDir: string; db: DbOrTx }): Promise<MasterKey> {
  if (opts.fromEnv) return masterKeyFrom(opts.fromEnv);
  const file = masterKeyFile(opts.dataDir);
  if (!fs.existsSync(file)) {
    if (await holdsEncryptedData(opts.db)) {
      throw new MasterKeyError(
        `${file} is missing but the database already holds data keys: restore that file from a backup, or set ${ENV} to the key in use.`,
      );
    }
    fs.mkdirSync(opts.dataDir, { recursive: true });
    fs.writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
  }
  return masterKeyFrom(fs.readFileSync(file, 'utf8').trim(), `the master key file ${file}`);
}

async function holdsEncryptedData(db: DbOrTx) {
  const [keys] = await db.select({ n: count() }).from(dataKeys);
  const [meta] = await db.select({ n: count() }).from(vaultMeta);
  return (keys?.n ?? 0) > 0 || (meta?.n ?? 0) > 0;
}

/** The master key in use and the previous ones still needed to unwrap data keys during a rotation. */
export async function loadMasterKeys(opts: { fromEnv: string | undefined; previous: string[]; dataDir: string; db: DbOrTx }) {
  return { current: await loadMasterKey(opts), previous: opts.previous.map((key) => masterKeyFrom(key, 'TENANTFLOW_PREVIOUS_MASTER_KEYS')) };
}
