import fs from 'node:fs';
import type { ConnectionOptions } from 'node:tls';

const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
type SslMode = (typeof SSL_MODES)[number];

// Lowercase only, so the name needs no quoting in `-c search_path=` and means the same in every statement.
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * What tenantflow reads from DATABASE_URL itself, and the rest of the URL for node-postgres. node-postgres
 * gives sslmode its own meaning (require = verify-full) and lets the URL override the Pool's `ssl` option, so
 * these parameters are taken out of the URL and turned into Pool options with libpq's meaning.
 */
export type DatabaseUrl = {
  connectionString: string;
  sslMode: SslMode | undefined;
  sslRootCert: string | undefined;
  sslCert: string | undefined;
  sslKey: string | undefined;
  /** The schema tenantflow's tables live in; undefined means the server's search_path (normally `public`). */
  schema: string | undefined;
  /** PostgreSQL startup options (`-c name=value`), with search_path set when a schema is chosen. */
  options: string | undefined;
};

const OWN_PARAMETERS = ['sslmode', 'sslrootcert', 'sslcert', 'sslkey', 'uselibpqcompat', 'schema', 'options'];

/** Throws an Error naming the offending DATABASE_URL parameter. */
export function parseDatabaseUrl(url: string): DatabaseUrl {
  const parsed = new URL(url);
  const params = parsed.searchParams;
  if (params.has('ssl')) {
    throw new Error('DATABASE_URL: use sslmode= (disable, allow, prefer, require, verify-ca or verify-full) instead of ssl=');
  }
  const sslMode = params.get('sslmode') ?? undefined;
  if (sslMode !== undefined && !(SSL_MODES as readonly string[]).includes(sslMode)) {
    throw new Error(`DATABASE_URL: sslmode must be one of ${SSL_MODES.join(', ')}`);
  }
  if (sslMode === 'verify-ca' && !params.has('sslrootcert')) {
    // As libpq: the chain is checked against a certificate you name; any public CA's customer would pass.
    throw new Error('DATABASE_URL: sslmode=verify-ca needs sslrootcert= (the CA file); use verify-full to trust the system CAs');
  }
  const schema = params.get('schema') ?? undefined;
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new Error('DATABASE_URL: schema must be a lowercase PostgreSQL name (letters, digits and _, not starting with a digit)');
  }
  const givenOptions = params.get('options') ?? undefined;
  if (schema !== undefined && givenOptions?.includes('search_path')) {
    throw new Error('DATABASE_URL: give the schema either as schema= or as search_path in options=, not both');
  }
  const options = [givenOptions, schema && `-c search_path=${schema}`].filter(Boolean).join(' ') || undefined;
  const sslRootCert = params.get('sslrootcert') ?? undefined;
  const sslCert = params.get('sslcert') ?? undefined;
  const sslKey = params.get('sslkey') ?? undefined;
  for (const name of OWN_PARAMETERS) params.delete(name);
  return { connectionString: parsed.toString(), sslMode: sslMode as SslMode | undefined, sslRootCert, sslCert, sslKey, schema, options };
}

/** The problem with a DATABASE_URL as one line, or undefined; for configuration checks at start. */
export function databaseUrlProblem(url: string): string | undefined {
  try {
    parseDatabaseUrl(url);
    return undefined;
  } catch (error) {
    return (error as Error).message.replace(/^DATABASE_URL: /, '');
  }
}

/**
 * The Pool's `ssl` option with libpq's meaning of sslmode. node-postgres cannot retry a connection without
 * TLS, so `prefer` uses TLS (unverified, as libpq) and fails on a server without TLS, and `allow` connects
 * without TLS (libpq's first attempt). No sslmode keeps node-postgres's default: no TLS.
 */
export function tlsOptions(url: DatabaseUrl): false | ConnectionOptions {
  if (url.sslMode === undefined || url.sslMode === 'disable' || url.sslMode === 'allow') return false;
  const read = (file: string | undefined, parameter: string) => {
    if (file === undefined) return undefined;
    try {
      return fs.readFileSync(file, 'utf8');
    } catch {
      throw new Error(`DATABASE_URL: ${parameter}=${file} cannot be read`);
    }
  };
  // libpq 16's sslrootcert=system means the system's trusted CAs, which is Node's default too.
  const ca = url.sslRootCert === 'system' ? undefined : read(url.sslRootCert, 'sslrootcert');
  const clientCertificate = { cert: read(url.sslCert, 'sslcert'), key: read(url.sslKey, 'sslkey') };
  const anyHost = { checkServerIdentity: () => undefined };
  switch (url.sslMode) {
    case 'prefer':
    case 'require':
      // libpq: require with a root certificate verifies the chain like verify-ca.
      return ca === undefined ? { ...clientCertificate, rejectUnauthorized: false } : { ...clientCertificate, ca, ...anyHost };
    case 'verify-ca':
      return { ...clientCertificate, ca, ...anyHost };
    case 'verify-full':
      return { ...clientCertificate, ca };
  }
}
