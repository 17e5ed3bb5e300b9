import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from './config';
import { connectDatabase } from './db/client';
import { openDatabase, type OpenDatabase } from './db/open';
import type { RunningWorker } from './execution/worker';
import type { MetricsSnapshot } from './metrics/worker-channel';
import type { Logger } from './log';
import { markStart } from './lib/start-timeline';
import { loadMasterKeys } from './vault/master-key';
import { Vault } from './vault/vault';

/**
 * `stopAccepting` closes the HTTP server and waits for the requests in flight; `stop` then stops the worker
 * and the database (embedded PostgreSQL last), in that order.
 */
export type RunningServer = { url: string; worker: RunningWorker | null; stopAccepting: () => Promise<void>; stop: () => Promise<void> };

/**
 * `worker: false` runs no worker here; `workerProblem` then says whether the worker run elsewhere for this
 * server (`serve`'s worker process) takes jobs, for /readyz.
 */
type ServerRoles = {
  worker?: boolean;
  http?: boolean;
  workerProblem?: () => string | null;
  /** Under `serve`: the worker child's metrics, added to this process's /metrics. */
  workerMetrics?: () => Promise<MetricsSnapshot | null>;
};

/** Requests still running this long after the server stopped accepting are cut off. */
const HTTP_DRAIN_MS = 30_000;

/** config → database → migrations → first-start organization → HTTP server (+ worker unless disabled). */
export async function startServer(config: Config, log: Logger, opts: ServerRoles = {}): Promise<RunningServer> {
  markStart('starting');
  // The code of the roles this process plays loads while PostgreSQL starts and the migrations are checked.
  const modules = loadServerModules(opts);
  // A refused start (a busy port, a bad DATABASE_URL) answers without waiting for it.
  modules.catch(() => {});
  const database = await openDatabase(config, log);
  try {
    const loaded = await modules;
    markStart('role modules loaded');
    return await serveOn(database, loaded, config, log, opts);
  } catch (error) {
    // A refused start (wrong master key, port in use …) must not leave the embedded PostgreSQL running.
    await database.shutdown().catch(() => {});
    throw error;
  }
}

/**
 * Only what the roles need: a worker process never loads the GraphQL schema or the HTTP layer, and an API
 * process without a worker never loads graphile-worker's runner.
 */
async function loadServerModules(opts: ServerRoles) {
  const [instances, organizations, lifecycleLog, worker, http] = await Promise.all([
    import('./domain/instances'),
    import('./domain/organizations/organizations'),
    import('./execution/lifecycle-log'),
    opts.worker === false ? null : import('./execution/worker'),
    opts.http === false ? null : loadHttpModules(),
  ]);
  return {
    sealLegacyWebhookTokens: instances.sealLegacyWebhookTokens,
    addMissingSystemInstances: instances.addMissingSystemInstances,
    bootstrapDefaultOrganization: organizations.bootstrapDefaultOrganization,
    logQueuedExecutions: lifecycleLog.logQueuedExecutions,
    startWorker: worker?.startWorker ?? null,
    http,
  };
}

async function loadHttpModules() {
  const [outgoing, app, webhooks, oauth2Callback, cachedApiTokens] = await Promise.all([
    import('./execution/http/outgoing-http'),
    import('./http/app'),
    import('./http/webhooks'),
    import('./http/oauth2-callback'),
    import('./domain/auth/cached-api-tokens'),
  ]);
  return {
    createApp: app.createApp,
    outgoingHttp: outgoing.outgoingHttp,
    webhookRoutes: webhooks.webhookRoutes,
    oauth2CallbackRoutes: oauth2Callback.oauth2CallbackRoutes,
    startCachedApiTokens: cachedApiTokens.startCachedApiTokens,
  };
}

type ServerModules = Awaited<ReturnType<typeof loadServerModules>>;

async function serveOn(database: OpenDatabase, modules: ServerModules, config: Config, log: Logger, opts: ServerRoles): Promise<RunningServer> {
  const { sealLegacyWebhookTokens, addMissingSystemInstances, bootstrapDefaultOrganization, logQueuedExecutions, startWorker, http: httpModules } = modules;
  const keys = await loadMasterKeys({ fromEnv: config.masterKey, previous: config.previousMasterKeys, dataDir: config.dataDir, db: database.db });
  const vault = new Vault(keys.current, keys.previous);
  await vault.checkMasterKey(database.db);
  const sealed = await sealLegacyWebhookTokens(database.db, vault);
  if (sealed > 0) log.info({ webhookTokens: sealed }, 'moved plain-text webhook tokens into the vault');
  const added = await addMissingSystemInstances(database.db, vault);
  if (added > 0) log.info({ integrations: added }, 'gave integrations created before test instances existed their test instance');
  const first = await bootstrapDefaultOrganization(database.db);
  if (first) announceFirstToken(first.org.name, first.token);

  markStart('master key and first-start checks done');
  const stopLoggingQueued = logQueuedExecutions(log);
  const engine = { db: database.db, vault, log, config: config.engine };
  // The worker's own pool: webhook and API requests in flight never make a run wait for a connection.
  const workerDatabase = startWorker ? connectDatabase(database.url, { max: config.workerPoolSize }) : null;
  const worker: RunningWorker | null =
    startWorker && workerDatabase
      ? await startWorker({ ...engine, db: workerDatabase.db, database: workerDatabase }).catch(async (error: unknown) => {
          await workerDatabase.close();
          throw error;
        })
      : null;
  if (worker) markStart('worker started');

  let server: http.Server | null = null;
  const apiTokens = !httpModules || config.api.tokenCacheMs === 0 ? null : httpModules.startCachedApiTokens(database, { ttlMs: config.api.tokenCacheMs, log });
  // The OAuth 2.0 callback's token requests leave through the same egress policy as the engine's.
  const callbackHttp = httpModules ? httpModules.outgoingHttp(config.engine) : null;
  let url = '';
  if (httpModules && callbackHttp) {
    const { createApp, webhookRoutes, oauth2CallbackRoutes } = httpModules;
    const publicUrl = config.publicUrl ?? `http://${config.host}:${config.port}`;
    const app = createApp({
      db: database.db,
      vault,
      log,
      tenantName: config.tenantName,
      publicUrl,
      routes: [
        ...webhookRoutes({ db: database.db, vault, log, settings: config.webhooks }),
        ...oauth2CallbackRoutes({ db: database.db, vault, log, http: callbackHttp, timeoutMs: config.engine.stepTimeoutMs }),
      ],
      api: config.api,
      workerProblem: worker ? () => worker.problem() : opts.workerProblem,
      metrics: { token: config.metricsToken, production: config.production, workerMetrics: opts.workerMetrics },
      apiTokens: apiTokens ?? undefined,
    });
    markStart('app created');
    server = http.createServer(app);
    await new Promise<void>((resolve, reject) => {
      server!.once('error', reject);
      server!.listen(config.port, config.host, resolve);
    }).catch(async (error: unknown) => {
      await apiTokens?.stop();
      await worker?.stop();
      await workerDatabase?.close();
      throw error;
    });
    markStart('listening');
    const { port } = server.address() as AddressInfo;
    url = `http://${config.host}:${port}`;
    log.info(
      { url: `${url}/api`, graphiql: `${url}/graphql`, tenant: config.tenantName, embeddedPostgres: database.embedded, worker: Boolean(worker) },
      'tenantflow is listening',
    );
  }

  let closing: Promise<void> | undefined;
  const stopAccepting = () => (closing ??= server ? closeHttp(server) : Promise.resolve());
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await stopAccepting();
      await callbackHttp?.close();
      await apiTokens?.stop();
      await worker?.stop();
      await workerDatabase?.close();
      stopLoggingQueued();
      await database.shutdown();
    })());
  return { url, worker, stopAccepting, stop };
}

function closeHttp(server: http.Server) {
  return new Promise<void>((resolve) => {
    const cutOff = setTimeout(() => server.closeAllConnections(), HTTP_DRAIN_MS);
    server.close(() => {
      clearTimeout(cutOff);
      resolve();
    });
    server.closeIdleConnections();
  });
}

// Printed once, to stdout rather than the log, so it is not kept in log storage.
function announceFirstToken(orgName: string, token: string) {
  process.stdout.write(
    [
      '',
      `  First start: created the organization "${orgName}" with an admin user.`,
      '  Its API token (shown only now; create more with `npx tenantflow token create`):',
      '',
      `    ${token}`,
      '',
      '  Use it as "Authorization: Bearer <token>" on POST /api, or in GraphiQL at /graphql.',
      '',
    ].join('\n') + '\n',
  );
}
