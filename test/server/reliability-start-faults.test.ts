import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { connectDatabase } from '../../src/db/client';
import { masterKeyFrom } from '../../src/vault/master-key';
import { Vault } from '../../src/vault/vault';
import { runCli, stderrLines } from './reliability-process';

const dirs: string[] = [];
const tempDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantflow-fault-'));
  dirs.push(dir);
  return dir;
};
let busy: net.Server;
let busyPort: number;

beforeAll(async () => {
  // The shared test database holds a vault (a master key id): what a real database has after its first start.
  const database = connectDatabase(inject('databaseUrl'), { max: 1 });
  await new Vault(masterKeyFrom(inject('masterKey'))).checkMasterKey(database.db);
  await database.close();
  busy = net.createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  busyPort = (busy.address() as net.AddressInfo).port;
});
afterAll(async () => {
  await new Promise((resolve) => busy.close(resolve));
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** Starts `serve --no-worker`, which must refuse: non-zero exit and exactly one line on stderr. */
async function refusedStart(env: Record<string, string>) {
  const cli = runCli(['serve', '--no-worker'], { PORT: '0', DATA_DIR: tempDir(), ...env });
  const code = await cli.exited;
  const lines = stderrLines(cli);
  expect(code).not.toBe(0);
  expect(lines).toHaveLength(1);
  expect(lines[0]).not.toMatch(/\n| {4}at /);
  return lines[0]!;
}

describe.concurrent('a refused start exits non-zero with one line naming the cause and the setting', { timeout: 120_000 }, () => {
  it('invalid configuration', async () => {
    expect(await refusedStart({ DATABASE_URL: inject('databaseUrl'), PORT: 'eighty' })).toMatch(/^Invalid configuration: PORT: /);
  });

  it('HTTP port in use', async () => {
    const line = await refusedStart({ DATABASE_URL: inject('databaseUrl'), TENANTFLOW_MASTER_KEY: inject('masterKey'), PORT: String(busyPort) });
    expect(line).toContain(`Port ${busyPort} on 127.0.0.1 is already in use by process ${process.pid}`);
    expect(line).toContain('set PORT');
  });

  it('unreachable DATABASE_URL, named without its password', async () => {
    const line = await refusedStart({
      DATABASE_URL: `postgres://someone:hunter2secret@127.0.0.1:${busyPort + 1}/nowhere`,
      TENANTFLOW_MASTER_KEY: inject('masterKey'),
    });
    expect(line).toContain(`Cannot connect to the database at DATABASE_URL (postgres://someone:***@127.0.0.1:${busyPort + 1}/nowhere)`);
    expect(line).toContain('ECONNREFUSED');
    expect(line).not.toContain('hunter2secret');
  });

  it('wrong TENANTFLOW_MASTER_KEY', async () => {
    const line = await refusedStart({ DATABASE_URL: inject('databaseUrl'), TENANTFLOW_MASTER_KEY: randomBytes(32).toString('base64') });
    expect(line).toMatch(/^TENANTFLOW_MASTER_KEY \(id [0-9a-f]+\) is not the key this database was encrypted with/);
  });

  it('a master key file that does not match is blamed on the file', async () => {
    const dataDir = tempDir();
    fs.writeFileSync(path.join(dataDir, 'master-key'), randomBytes(32).toString('base64'));
    const line = await refusedStart({ DATABASE_URL: inject('databaseUrl'), DATA_DIR: dataDir });
    expect(line).toContain(`the master key file ${path.join(dataDir, 'master-key')} (id `);
    expect(line).not.toContain('TENANTFLOW_MASTER_KEY');
  });

  it('a corrupt master key file is named', async () => {
    const dataDir = tempDir();
    fs.writeFileSync(path.join(dataDir, 'master-key'), 'not a key');
    const line = await refusedStart({ DATABASE_URL: inject('databaseUrl'), DATA_DIR: dataDir });
    expect(line).toBe(`the master key file ${path.join(dataDir, 'master-key')} does not hold a master key: it must be 32 bytes, base64-encoded.`);
  });

  it('a missing key file is not regenerated for a database that already holds encrypted data', async () => {
    const dataDir = tempDir();
    const keyFile = path.join(dataDir, 'master-key');
    const line = await refusedStart({ DATABASE_URL: inject('databaseUrl'), DATA_DIR: dataDir });
    expect(line).toBe(
      `${keyFile} is missing but the database already holds data keys: restore that file from a backup, or set TENANTFLOW_MASTER_KEY to the key in use.`,
    );
    expect(fs.existsSync(keyFile)).toBe(false);
  });

  it('a failing migration', async () => {
    // A database where a table of the first migration already exists, as if someone else had created it.
    const name = `fault_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: inject('databaseUrl') });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    const url = new URL(inject('databaseUrl'));
    url.pathname = `/${name}`;
    const other = new pg.Client({ connectionString: url.toString() });
    await other.connect();
    await other.query('create table organizations (squatter int)');
    await other.end();
    const line = await refusedStart({ DATABASE_URL: url.toString(), TENANTFLOW_MASTER_KEY: inject('masterKey') });
    expect(line).toMatch(/^Database migrations failed on DATABASE_URL \(postgres:\/\/[^:]+:\*\*\*@.*\): relation "organizations" already exists/);
  });
});
