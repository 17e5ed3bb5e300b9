/**
 * Shared benchmark setup: a throwaway embedded PostgreSQL (temp dir, free port), migrations, a vault with a
 * random master key, the real HTTP server on 127.0.0.1:0, and helpers to seed organizations and to send
 * GraphQL over HTTP. Nothing here talks to anything but 127.0.0.1.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { connectDatabase, type Database } from '../src/db/client';
import { startEmbeddedPostgres } from '../src/db/embedded-postgres';
import { runMigrations } from '../src/db/migrate';
import type { Actor } from '../src/domain/actor';
import { issueApiToken } from '../src/domain/auth/api-tokens';
import { startCachedApiTokens } from '../src/domain/auth/cached-api-tokens';
import { createCustomer } from '../src/domain/customers/customers';
import { createOrganization } from '../src/domain/organizations/organizations';
import { createApp } from '../src/http/app';
import { webhookRoutes } from '../src/http/webhooks';
import { loadConfig, type EngineConfig } from '../src/config';
import type { OutgoingHttp } from '../src/execution/http/outgoing-http';
import type { KnownSecrets } from '../src/execution/secrets/known-secrets';
import { startWorker } from '../src/execution/worker';
import { encodeGlobalId } from '../src/lib/global-id';
import { createLogger } from '../src/log';
import { masterKeyFrom } from '../src/vault/master-key';
import { Vault } from '../src/vault/vault';

/** Requests a benchmark keeps in flight against the server, unless it says otherwise. */
export const CONCURRENCY = 8;
/** No single request may hang a benchmark run. */
const REQUEST_TIMEOUT_MS = 60_000;

export type ApiServer = {
  /** Base URL, e.g. http://127.0.0.1:41234 */
  url: string;
  database: Database;
  close: () => Promise<void>;
};

export type BenchEnv = {
  databaseUrl: string;
  /** The database pool of the main server (drizzle `db` and raw `pool`). */
  database: Database;
  vault: Vault;
  /** The main API server, as `npm start` runs it (no query hook). */
  api: ApiServer;
  /** Another server on the same database and master key, e.g. one whose every SQL statement is counted. */
  /** `tokenCache: false`: every request looks its token up (counted servers whose counts must not depend on timing). */
  startApi: (opts?: { onQuery?: (sql: string) => void; poolMax?: number; tokenCache?: boolean }) => Promise<ApiServer>;
  /**
   * An execution worker (graphile-worker + lease sweeper + scheduler, `startWorker` as `npm start` runs it)
   * on a server's pool (default: the main server's, as `npm start` shares one pool) with the production
   * engine settings of `loadConfig({}).engine` unless overridden, with EGRESS_ALLOW=127.0.0.1 for the fake
   * APIs. `http` replaces the worker's outgoing client and `knownSecrets` its runs' redaction (the security
   * overhead benchmark compares with and without the egress check and redaction). Stopped by `stop()` or at
   * teardown.
   */
  startWorker: (opts?: WorkerOptions) => Promise<BenchWorker>;
  close: () => Promise<void>;
};

type WorkerOptions = { database?: Database; config?: Partial<EngineConfig>; http?: OutgoingHttp; knownSecrets?: () => KnownSecrets };

export type BenchWorker = { id: string; config: EngineConfig; stop: () => Promise<void> };

export type BenchOrg = { orgId: string; admin: Actor; token: string };

const silent = createLogger('silent');

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function startBenchEnv(): Promise<BenchEnv> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantflow-bench-'));
  const cleanups: (() => Promise<void>)[] = [async () => fs.rmSync(dataDir, { recursive: true, force: true })];
  const close = async () => {
    // Last started, first stopped; the temp dir goes last.
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch((error) => console.error('teardown:', error));
  };
  try {
    const postgres = await startEmbeddedPostgres({ dataDir, port: await freePort(), log: silent });
    cleanups.push(postgres.stop);

    // More than one connection: runMigrations holds one (the advisory lock) while the job queue's migrations
    // take another from the same pool.
    const migrator = connectDatabase(postgres.url, { max: 3 });
    try {
      await runMigrations(migrator);
    } finally {
      await migrator.close();
    }

    const vault = new Vault(masterKeyFrom(randomBytes(32).toString('base64')));
    const startApi = async (opts: { onQuery?: (sql: string) => void; poolMax?: number; tokenCache?: boolean } = {}): Promise<ApiServer> => {
      const database = connectDatabase(postgres.url, { max: opts.poolMax ?? 10, onQuery: opts.onQuery });
      // API tokens authenticated from memory, as `npm start` does.
      const apiTokens = opts.tokenCache === false ? undefined : startCachedApiTokens(database, { ttlMs: loadConfig({}).api.tokenCacheMs, log: silent });
      // Webhooks (POST /webhooks/<token>) are served as `npm start` serves them.
      const app = createApp({
        db: database.db,
        vault,
        log: silent,
        tenantName: 'bench',
        publicUrl: 'http://127.0.0.1',
        routes: webhookRoutes({ db: database.db, vault, log: silent, settings: loadConfig({}).webhooks }),
        apiTokens,
      });
      const server = http.createServer(app);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', resolve);
      });
      const { port } = server.address() as AddressInfo;
      let closing: Promise<void> | undefined;
      const stop = () =>
        (closing ??= (async () => {
          await new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
          });
          await apiTokens?.stop();
          await database.close();
        })());
      cleanups.push(stop);
      return { url: `http://127.0.0.1:${port}`, database, close: stop };
    };

    const api = await startApi();
    await vault.checkMasterKey(api.database.db);

    const startBenchWorker = async (opts: WorkerOptions = {}): Promise<BenchWorker> => {
      // The worker's own pool (WORKER_DATABASE_POOL_SIZE), as `npm start` gives it, unless the caller brings one.
      const ownPool = opts.database ? null : connectDatabase(postgres.url, { max: loadConfig({}).workerPoolSize });
      const database = opts.database ?? ownPool!;
      // The fake APIs listen on 127.0.0.1, which the egress policy refuses unless allowed.
      const config: EngineConfig = { ...loadConfig({ EGRESS_ALLOW: '127.0.0.1' }).engine, ...opts.config };
      const worker = await startWorker({ db: database.db, database, vault, log: silent, config, http: opts.http, knownSecrets: opts.knownSecrets });
      let stopping: Promise<void> | undefined;
      const stop = () => (stopping ??= worker.stop().then(() => ownPool?.close()));
      // Registered after the pool it uses, so it stops before that pool closes.
      cleanups.push(stop);
      return { id: worker.id, config, stop };
    };
    return { databaseUrl: postgres.url, database: api.database, vault, api, startApi, startWorker: startBenchWorker, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** A fresh organization with an admin and an API token for it. */
export async function seedOrganization(env: BenchEnv, label: string): Promise<BenchOrg> {
  const name = `${label}-${randomUUID().slice(0, 8)}`;
  const { org, admin } = await createOrganization(env.database.db, { name, adminName: 'Bench Admin', adminEmail: `admin@${name}.bench` });
  const { token } = await issueApiToken(env.database.db, { orgId: org.id, userId: admin.userId, name: 'bench' });
  return { orgId: org.id, admin, token };
}

/**
 * The flow the execution benchmarks run, set up over the API as a vendor would: an org-activated
 * `acme-api`/`api-key` connection (scoped config variable `acme-api-key`) whose global `baseUrl` is a fake
 * API, one customer with its `apiKey`, the integration `definition` (an `acmeRecordDefinition`, imported and
 * published) and one deployed instance. Returns the path of the `create` flow's webhook (with its token).
 */
export async function deployAcmeFlow(
  env: BenchEnv,
  org: BenchOrg,
  opts: { definition: string; baseUrl: string; apiKey: string },
): Promise<{ webhookPath: string }> {
  const api = env.api.url;
  const components = await gqlData(api, org.token, `query($key: String) { components(key: $key) { nodes { connections { nodes { id key } } } } }`, {
    key: 'acme-api',
  });
  const connection = components.components.nodes[0]?.connections.nodes.find((c: { key: string }) => c.key === 'api-key')?.id as string | undefined;
  if (!connection) throw new BenchmarkFailure('no acme-api/api-key connection');
  const scv = await gqlData(
    api,
    org.token,
    `mutation($input: CreateScopedConfigVariableInput!) { createScopedConfigVariable(input: $input) { scopedConfigVariable { id } errors { field messages } } }`,
    {
      input: {
        key: 'Acme API key',
        stableKey: 'acme-api-key',
        variableScope: 'customer',
        managedBy: 'org',
        connection,
        inputs: [{ name: 'baseUrl', type: 'value', value: opts.baseUrl }],
      },
    },
  );
  const scvId = scv.createScopedConfigVariable.scopedConfigVariable?.id as string | undefined;
  if (!scvId) throw new BenchmarkFailure(`createScopedConfigVariable failed: ${JSON.stringify(scv)}`);
  const customer = encodeGlobalId('Customer', (await createCustomer(env.database.db, org.admin, { name: 'Bench customer', externalId: 'bench-1' })).id);
  const ccv = await gqlData(
    api,
    org.token,
    `mutation($input: CreateCustomerConfigVariableInput!) { createCustomerConfigVariable(input: $input) { customerConfigVariable { id } errors { field messages } } }`,
    { input: { scopedConfigVariable: scvId, customer, inputs: [{ name: 'apiKey', type: 'value', value: opts.apiKey }] } },
  );
  if (ccv.createCustomerConfigVariable.errors.length) throw new BenchmarkFailure(`createCustomerConfigVariable: ${JSON.stringify(ccv)}`);
  return { webhookPath: await deployIntegration(env, org, opts.definition, customer, 'create') };
}

/**
 * Imports and publishes an integration `definition`, creates and deploys its instance for `customer` (a
 * Customer global id); returns the webhook path (with its token) of the flow `flowStableKey`.
 */
export async function deployIntegration(env: BenchEnv, org: BenchOrg, definition: string, customer: string, flowStableKey: string): Promise<string> {
  const api = env.api.url;
  const imported = await gqlData(
    api,
    org.token,
    `mutation($d: String!) { importIntegration(input: { definition: $d }) { integration { id } errors { field messages } } }`,
    { d: definition },
  );
  const integration = imported.importIntegration.integration?.id as string | undefined;
  if (!integration) throw new BenchmarkFailure(`importIntegration: ${JSON.stringify(imported)}`);
  const published = await gqlData(
    api,
    org.token,
    `mutation($id: ID!) { publishIntegration(input: { id: $id }) { integration { id } errors { field messages } } }`,
    { id: integration },
  );
  if (published.publishIntegration.errors.length) throw new BenchmarkFailure(`publishIntegration: ${JSON.stringify(published)}`);
  const instance = await gqlData(
    api,
    org.token,
    `mutation($input: CreateInstanceInput!) { createInstance(input: $input) { instance { id } errors { field messages } } }`,
    { input: { integration, customer, name: 'Bench instance', configVariables: [] } },
  );
  const instanceId = instance.createInstance.instance?.id as string | undefined;
  if (!instanceId) throw new BenchmarkFailure(`createInstance: ${JSON.stringify(instance)}`);
  const deployed = await gqlData(
    api,
    org.token,
    `mutation($id: ID!) { deployInstance(input: { id: $id }) { instance { flowConfigs { nodes { webhookUrl flow { stableKey } } } } errors { field messages } } }`,
    { id: instanceId },
  );
  const webhookUrl = deployed.deployInstance.instance?.flowConfigs.nodes.find((c: { flow: { stableKey: string } }) => c.flow.stableKey === flowStableKey)
    ?.webhookUrl as string | undefined;
  if (!webhookUrl) throw new BenchmarkFailure(`deployInstance: ${JSON.stringify(deployed)}`);
  // The URL carries the public host; the path (with its token) is what the server routes on.
  return new URL(webhookUrl).pathname;
}

export type GraphQLResult<T = any> = { data?: T; errors?: { message: string; path?: (string | number)[] }[] };

/** POST /api over real HTTP (global fetch, keep-alive), throwing on a non-200 answer. */
export async function gql<T = any>(baseUrl: string, token: string, query: string, variables: Record<string, unknown> = {}): Promise<GraphQLResult<T>> {
  const response = await fetch(`${baseUrl}/api`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const body = (await response.json()) as GraphQLResult<T>;
  if (response.status !== 200) throw new Error(`HTTP ${response.status}: ${JSON.stringify(body).slice(0, 500)}`);
  return body;
}

/** Like gql, but any top-level error is a failure. */
export async function gqlData<T = any>(baseUrl: string, token: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const body = await gql<T>(baseUrl, token, query, variables);
  if (body.errors?.length || !body.data) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors ?? body).slice(0, 1000)}`);
  return body.data;
}

/**
 * Runs `task(i)` for i in [0, count) with at most `concurrency` in flight; resolves with the results in
 * index order. Each worker takes the next index until none are left, so the loop is bounded by `count`.
 */
export async function runPool<T>(count: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      results[i] = await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return results;
}

export async function timed<T>(fn: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const start = process.hrtime.bigint();
  const result = await fn();
  return { result, ms: Number(process.hrtime.bigint() - start) / 1e6 };
}

export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export const fmt = (value: number, digits = 1) => value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** Left-aligned first column, right-aligned others. */
export function table(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((row) => row.map(String))];
  const widths = header.map((_, c) => Math.max(...cells.map((row) => (row[c] ?? '').length)));
  const line = (row: string[]) => row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  return [line(cells[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

/** What BENCHMARKS.md records about the machine a run was measured on. */
export function machineDescription(): string {
  const cpu = /model name\s*:\s*(.*)/.exec(safeRead('/proc/cpuinfo'))?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown';
  const nproc = safeExec('nproc') || String(os.availableParallelism());
  const memory =
    safeExec('free', ['-h'])
      .split('\n')
      .find((line) => line.startsWith('Mem:'))
      ?.trim()
      .split(/\s+/)[1] ?? `${Math.round(os.totalmem() / 2 ** 30)}Gi`;
  return [`date: ${new Date().toString()}`, `nproc: ${nproc}`, `memory (free -h, total): ${memory}`, `cpu: ${cpu}`, `node: ${process.version}`].join('\n');
}

function safeRead(file: string) {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function safeExec(command: string, args: string[] = []) {
  try {
    return execFileSync(command, args, { encoding: 'utf8', timeout: 5_000 }).trim();
  } catch {
    return '';
  }
}

/** A benchmark module: `bench/<name>.bench.ts` exports `run`. */
export type Benchmark = (env: BenchEnv) => Promise<void>;

export class BenchmarkFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BenchmarkFailure';
  }
}

/** One line of a SQL statement, cut to `width` characters. */
export function abbreviate(sql: string, width = 110) {
  const flat = sql.replace(/\s+/g, ' ').trim();
  return flat.length > width ? `${flat.slice(0, width)}…` : flat;
}

/** A numbered, abbreviated list of the statements one request issued. */
export function listStatements(statements: string[]) {
  return statements.map((sql, i) => `  ${String(i + 1).padStart(2)}. ${abbreviate(sql)}`).join('\n');
}
