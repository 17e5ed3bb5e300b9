import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase, type Database } from '../../src/db/client';
import { loadMasterKey, masterKeyFrom } from '../../src/vault/master-key';
import { Vault } from '../../src/vault/vault';
import { asAdmin, dropDatabase, uniqueName, urlFor } from '../support/scratch-database';
import { tenantflow } from './cli-process';

// A database of its own: rotating the suite's master key would lock every other test out.
const dbName = uniqueName('tf_cli_vault');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantflow-cli-vault-'));
const keyFile = path.join(dataDir, 'master-key');
const env = (extra: Record<string, string> = {}) => ({ DATABASE_URL: urlFor(dbName), DATA_DIR: dataDir, ...extra });
let database: Database;

beforeAll(async () => {
  await asAdmin((admin) => admin.query(`create database "${dbName}"`));
});
afterAll(async () => {
  await database?.close();
  await dropDatabase(dbName);
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** Seals one value of a new organization with the key in DATA_DIR/master-key, as a server would. */
async function sealSecret(secret: string) {
  const [org] = await database.db.execute<{ id: string }>(`insert into organizations (name) values ('${uniqueName('org')}') returning id`).then((r) => r.rows);
  const owner = { orgId: org!.id, customerId: null };
  const slot = { record: org!.id, field: 'apiKey' };
  const vault = new Vault(await loadMasterKey({ fromEnv: undefined, dataDir, db: database.db }));
  await vault.checkMasterKey(database.db);
  return { owner, slot, sealed: await vault.seal(database.db, owner, slot, secret) };
}

describe('tenantflow migrate and vault rotate', () => {
  it('migrate names the migrations it applied, then says the schema is up to date', async () => {
    const first = await tenantflow(['migrate', '--json'], env());
    expect(first.code).toBe(0);
    const journal = JSON.parse(fs.readFileSync('drizzle/meta/_journal.json', 'utf8')) as { entries: { tag: string }[] };
    expect(JSON.parse(first.stdout)).toEqual({ applied: journal.entries.map((entry) => entry.tag) });
    const second = await tenantflow(['migrate'], env());
    expect(second).toMatchObject({ code: 0, stdout: 'Database schema is up to date; no migration applied.\n' });
    database = connectDatabase(urlFor(dbName), { max: 2 });
  }, 60_000);

  it('names the setting it needs when the previous key is missing, and changes nothing', async () => {
    const { owner, slot, sealed } = await sealSecret('s3cret-before');
    const before = fs.readFileSync(keyFile, 'utf8');
    const newKey = randomBytes(32).toString('base64');
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantflow-cli-nokey-'));
    try {
      const result = await tenantflow(['vault', 'rotate'], env({ TENANTFLOW_MASTER_KEY: newKey, DATA_DIR: elsewhere }));
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain('is not among the keys given (TENANTFLOW_MASTER_KEY, TENANTFLOW_PREVIOUS_MASTER_KEYS)');
      expect(result.stderr).toContain('set TENANTFLOW_PREVIOUS_MASTER_KEYS to the key used until now');
      expect(result.stderr).not.toContain(before);
    } finally {
      fs.rmSync(elsewhere, { recursive: true, force: true });
    }
    expect(await new Vault(masterKeyFrom(before)).open(database.db, owner, slot, sealed)).toBe('s3cret-before');
  }, 60_000);

  it('with TENANTFLOW_MASTER_KEY: re-wraps with it and writes it into DATA_DIR/master-key, the file the old key came from', async () => {
    const { owner, slot, sealed } = await sealSecret('s3cret-env');
    const newKey = randomBytes(32).toString('base64');
    const result = await tenantflow(['vault', 'rotate', '--json'], env({ TENANTFLOW_MASTER_KEY: newKey }));
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ rotated: expect.any(Number), keyId: masterKeyFrom(newKey).id, keyFileUpdated: keyFile });
    expect(JSON.parse(result.stdout).rotated).toBeGreaterThanOrEqual(1);
    expect(fs.readFileSync(keyFile, 'utf8')).toBe(newKey);
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
    // What a restart without the variable does: the file's key opens the values.
    const restarted = new Vault(await loadMasterKey({ fromEnv: undefined, dataDir, db: database.db }));
    await restarted.checkMasterKey(database.db);
    expect(await restarted.open(database.db, owner, slot, sealed)).toBe('s3cret-env');
  }, 60_000);

  it('without TENANTFLOW_MASTER_KEY: generates a new key, re-wraps, and replaces the key file', async () => {
    const { owner, slot, sealed } = await sealSecret('s3cret-file');
    const before = fs.readFileSync(keyFile, 'utf8');
    const result = await tenantflow(['vault', 'rotate'], env());
    expect(result.code).toBe(0);
    const after = fs.readFileSync(keyFile, 'utf8');
    expect(after).not.toBe(before);
    const [dataKeys] = (await database.db.execute<{ n: number }>('select count(*)::int as n from data_keys')).rows;
    expect(result.stdout).toBe(
      `re-wrapped ${dataKeys!.n} data keys with master key ${masterKeyFrom(after).id}; the previous keys are no longer needed\n` +
        `${keyFile} now holds the new key; restart running tenantflow processes that read it (they still hold the previous key)\n`,
    );
    expect(fs.readdirSync(dataDir).sort()).toEqual(['master-key']);
    const restarted = new Vault(masterKeyFrom(after));
    await restarted.checkMasterKey(database.db);
    expect(await restarted.open(database.db, owner, slot, sealed)).toBe('s3cret-file');
    await expect(new Vault(masterKeyFrom(before)).open(database.db, owner, slot, sealed)).rejects.toThrow('cannot be decrypted');
  }, 60_000);
});
