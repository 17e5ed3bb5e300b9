import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';
import { parseDatabaseUrl, tlsOptions } from '../../src/db/database-url';

const base = 'postgres://tf:secret@db.internal:5432/tenantflow';
const caFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tf-ca-')), 'root.crt');
fs.writeFileSync(caFile, '-----BEGIN CERTIFICATE-----\nnot checked here\n-----END CERTIFICATE-----\n');

const tlsFor = (query: string) => tlsOptions(parseDatabaseUrl(`${base}?${query}`));

describe('DATABASE_URL sslmode has libpq’s meaning', () => {
  it('no sslmode, disable and allow connect without TLS', () => {
    expect(tlsOptions(parseDatabaseUrl(base))).toBe(false);
    expect(tlsFor('sslmode=disable')).toBe(false);
    expect(tlsFor('sslmode=allow')).toBe(false);
  });

  it('require and prefer encrypt without verifying the certificate', () => {
    expect(tlsFor('sslmode=require')).toMatchObject({ rejectUnauthorized: false });
    expect(tlsFor('sslmode=prefer')).toMatchObject({ rejectUnauthorized: false });
  });

  it('require with sslrootcert verifies the chain but not the host, as libpq does', () => {
    const tls = tlsFor(`sslmode=require&sslrootcert=${caFile}`) as Exclude<ReturnType<typeof tlsOptions>, false>;
    expect(tls.rejectUnauthorized).not.toBe(false);
    expect(tls.ca).toContain('not checked here');
    expect(tls.checkServerIdentity!('other.host', {} as never)).toBeUndefined();
  });

  it('verify-ca checks the chain against sslrootcert and accepts any host name', () => {
    const tls = tlsFor(`sslmode=verify-ca&sslrootcert=${caFile}`) as Exclude<ReturnType<typeof tlsOptions>, false>;
    expect(tls.rejectUnauthorized).not.toBe(false);
    expect(tls.ca).toContain('not checked here');
    expect(tls.checkServerIdentity!('other.host', {} as never)).toBeUndefined();
  });

  it('verify-full checks chain and host (Node’s default host check stays in place)', () => {
    const tls = tlsFor(`sslmode=verify-full&sslrootcert=${caFile}`) as Exclude<ReturnType<typeof tlsOptions>, false>;
    expect(tls.rejectUnauthorized).not.toBe(false);
    expect(tls.ca).toContain('not checked here');
    expect(tls.checkServerIdentity).toBeUndefined();
    expect(tlsFor('sslmode=verify-full&sslrootcert=system')).toEqual({ ca: undefined, cert: undefined, key: undefined });
  });

  it('takes its own parameters out of the URL node-postgres sees, so they cannot override the Pool options', () => {
    const url = parseDatabaseUrl(`${base}?sslmode=require&sslrootcert=${caFile}&uselibpqcompat=true&schema=tf&application_name=x`);
    expect(url.connectionString).toBe(`${base}?application_name=x`);
    expect(url).toMatchObject({ sslMode: 'require', sslRootCert: caFile, schema: 'tf', options: '-c search_path=tf' });
  });

  it('a schema keeps other startup options', () => {
    expect(parseDatabaseUrl(`${base}?schema=tf&options=${encodeURIComponent('-c statement_timeout=5s')}`).options).toBe(
      '-c statement_timeout=5s -c search_path=tf',
    );
  });
});

describe('DATABASE_URL problems are refused at start, naming the parameter and never echoing the URL', () => {
  const problem = (query: string) => {
    try {
      loadConfig({ DATABASE_URL: `${base}?${query}` });
    } catch (error) {
      return (error as Error).message;
    }
    return 'accepted';
  };

  it.each([
    ['sslmode=verify', 'sslmode must be one of'],
    ['ssl=true', 'use sslmode='],
    ['sslmode=verify-ca', 'sslmode=verify-ca needs sslrootcert='],
    ['schema=Tenant-Flow', 'schema must be a lowercase PostgreSQL name'],
    [`schema=tf&options=${encodeURIComponent('-c search_path=x')}`, 'either as schema= or as search_path'],
  ])('%s', (query, expected) => {
    const message = problem(query);
    expect(message).toContain('DATABASE_URL');
    expect(message).toContain(expected);
    expect(message).not.toContain('secret');
  });

  it('an unreadable sslrootcert is named when connecting', () => {
    expect(() => tlsFor('sslmode=verify-full&sslrootcert=/nonexistent/root.crt')).toThrow('DATABASE_URL: sslrootcert=/nonexistent/root.crt cannot be read');
  });
});
