import { createHmac, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export type MasterKey = { key: Buffer; id: string };

export function masterKeyFrom(base64: string): MasterKey {
  const key = Buffer.from(base64, 'base64');
  if (key.length !== 32) throw new Error('The master key must be 32 bytes, base64-encoded.');
  // A fingerprint, not the key: it names the key in the database without revealing it.
  return { key, id: createHmac('sha256', key).update('tenantflow master key id').digest('hex').slice(0, 16) };
}

/**
 * TENANTFLOW_MASTER_KEY when set; otherwise a key generated once into the data dir (mode 0600), which is
 * what a single machine with the embedded database needs. Several machines must share one key via the env.
 */
export function loadMasterKey(opts: { fromEnv: string | undefined; dataDir: string }): MasterKey {
  if (opts.fromEnv) return masterKeyFrom(opts.fromEnv);
  const file = path.join(opts.dataDir, 'master-key');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(opts.dataDir, { recursive: true });
    fs.writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
  }
  return masterKeyFrom(fs.readFileSync(file, 'utf8').trim());
}

/** The master key in use and the previous ones still needed to unwrap data keys during a rotation. */
export function loadMasterKeys(opts: { fromEnv: string | undefined; previous: string[]; dataDir: string }) {
  return { current: loadMasterKey(opts), previous: opts.previous.map(masterKeyFrom) };
}
