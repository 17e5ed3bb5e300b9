import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase } from '../../src/db/client';
import { startEmbeddedPostgres } from '../../src/db/embedded-postgres';
import { createLogger } from '../../src/log';

// A PostgreSQL of its own with TLS on, its certificate issued by a CA made here for DNS:localhost only:
// untrusted by Node, and not matching 127.0.0.1, so each sslmode's checks show.
const hasOpenssl = (() => {
  try {
    execFileSync('openssl', ['version']);
    return true;
  } catch {
    return false;
  }
})();

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantflow-tls-'));
// As root, PostgreSQL runs as another user that must pass through to its data dir; the keys stay private.
fs.chmodSync(dir, 0o711);
const certDir = fs.mkdtempSync(path.join(dir, 'certs-'));
const caFile = path.join(certDir, 'ca.crt');
let url: URL;
let stop = async () => {};

function issueCertificates(pgDir: string) {
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: certDir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=tenantflow test CA');
  openssl('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost');
  fs.writeFileSync(path.join(certDir, 'san.cnf'), 'subjectAltName=DNS:localhost\n');
  openssl(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.crt',
    '-days',
    '1',
    '-extfile',
    'san.cnf',
  );
  // PostgreSQL reads them as the user that owns its data dir, and refuses a key others can read.
  const { uid, gid } = fs.statSync(pgDir);
  for (const file of ['server.crt', 'server.key']) {
    fs.copyFileSync(path.join(certDir, file), path.join(pgDir, file));
    fs.chownSync(path.join(pgDir, file), uid, gid);
    fs.chmodSync(path.join(pgDir, file), 0o600);
  }
}

beforeAll(async () => {
  if (!hasOpenssl) return;
  const port = 40000 + Math.floor(Math.random() * 20000);
  const postgres = await startEmbeddedPostgres({ dataDir: path.join(dir, 'data'), port, log: createLogger('silent') });
  stop = postgres.stop;
  url = new URL(postgres.url);
  issueCertificates(path.join(dir, 'data', 'postgres'));
  const admin = connectDatabase(postgres.url, { max: 1 });
  try {
    await admin.pool.query(`alter system set ssl = on`);
    await admin.pool.query(`select pg_reload_conf()`);
  } finally {
    await admin.close();
  }
  // The reload is asynchronous: wait (bounded) until the server answers TLS.
  for (let attempt = 0; ; attempt++) {
    try {
      await usesTls('sslmode=require');
      break;
    } catch (error) {
      if (attempt >= 50) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}, 60_000);
afterAll(async () => {
  await stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Connects with tenantflow's pool and says whether the session is encrypted. */
async function usesTls(query: string, host = '127.0.0.1') {
  const target = new URL(url);
  target.hostname = host;
  target.search = `?${query}`;
  const database = connectDatabase(target.toString(), { max: 1 });
  try {
    return (await database.pool.query<{ ssl: boolean }>('select ssl from pg_stat_ssl where pid = pg_backend_pid()')).rows[0]!.ssl;
  } finally {
    await database.close();
  }
}

describe.skipIf(!hasOpenssl)('sslmode against a server with a certificate from an unknown CA', () => {
  it('require encrypts without verifying (libpq), where node-postgres alone verifies and fails', async () => {
    expect(await usesTls('sslmode=require')).toBe(true);
    expect(await usesTls('sslmode=prefer')).toBe(true);
    const requireUrl = new URL(url);
    requireUrl.search = '?sslmode=require';
    const plain = new pg.Client({ connectionString: requireUrl.toString() });
    await expect(plain.connect()).rejects.toThrow(/certificate/);
    await plain.end().catch(() => {});
  });

  it('disable and allow do not encrypt', async () => {
    expect(await usesTls('sslmode=disable')).toBe(false);
    expect(await usesTls('sslmode=allow')).toBe(false);
  });

  it('verify-full refuses a CA it was not given', async () => {
    await expect(usesTls('sslmode=verify-full')).rejects.toThrow(/certificate/);
  });

  it('verify-ca with sslrootcert checks the chain but not the host name', async () => {
    expect(await usesTls(`sslmode=verify-ca&sslrootcert=${caFile}`)).toBe(true);
    expect(await usesTls(`sslmode=require&sslrootcert=${caFile}`)).toBe(true);
  });

  it('verify-full with sslrootcert also checks the host name', async () => {
    await expect(usesTls(`sslmode=verify-full&sslrootcert=${caFile}`)).rejects.toThrow(/does not match|not in the cert/);
    expect(await usesTls(`sslmode=verify-full&sslrootcert=${caFile}`, 'localhost')).toBe(true);
  });
});
