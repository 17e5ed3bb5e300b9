import { inject } from 'vitest';
import { loadConfig } from '../../src/config';
import { connectDatabase, type Database } from '../../src/db/client';
import { createApp, type App, type AppDeps, type Route } from '../../src/http/app';
import { createLogger } from '../../src/log';
import { masterKeyFrom } from '../../src/vault/master-key';
import { Vault } from '../../src/vault/vault';
import { webhookRoutes } from '../../src/http/webhooks';
import { captureLog } from './log-capture';

export type Harness = { app: App; database: Database; vault: Vault; close: () => Promise<void> };

/**
 * The real HTTP app over the test database (or `databaseUrl`: a test's own PostgreSQL), called through
 * app.fetch (no port needed).
 */
export function createHarness(
  opts: {
    routes?: Route[];
    onQuery?: (sql: string) => void;
    api?: AppDeps['api'];
    databaseUrl?: string;
    // The URL links in responses point at (a real port's, for clients that follow them)
    publicUrl?: string;
  } = {},
): Harness {
  const database = connectDatabase(opts.databaseUrl ?? inject('databaseUrl'), { max: 5, onQuery: opts.onQuery });
  const log = createLogger('info', captureLog);
  const vault = new Vault(masterKeyFrom(inject('masterKey')));
  const webhooks = webhookRoutes({ db: database.db, vault, log, settings: loadConfig({}).webhooks });
  const app = createApp({
    db: database.db,
    vault,
    log,
    tenantName: 'test',
    publicUrl: opts.publicUrl ?? 'http://127.0.0.1',
    routes: [...webhooks, ...(opts.routes ?? [])],
    api: opts.api,
  });
  return { app, database, vault, close: () => database.close() };
}

export type GraphQLResponse<T = any> = { data?: T; errors?: { message: string; path?: string[]; extensions?: Record<string, any> }[] };

export async function gql<T = any>(
  app: App,
  query: string,
  variables: Record<string, unknown> = {},
  token?: string,
  path = '/api',
): Promise<GraphQLResponse<T> & { status: number }> {
  const response = await app.fetch(`http://127.0.0.1${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as GraphQLResponse<T>;
  return { ...body, status: response.status };
}
