import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { cliEntry } from '../support/test-build';

const root = path.resolve(import.meta.dirname, '../..');

export type CliProcess = {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the exit code (or the signal's name) once the process has exited. */
  exited: Promise<number | string>;
};

/**
 * `tenantflow <args>` as a real process (bin/tenantflow.js, as `npx tenantflow` runs it), with only the given settings (plus PATH and HOME). `detached`: in a
 * process group of its own, which a test can signal as a whole (as a terminal's Ctrl-C does).
 */
export function runCli(args: string[], env: Record<string, string>, opts: { detached?: boolean } = {}): CliProcess {
  const child = spawn(process.execPath, [cliEntry, ...args], {
    cwd: root,
    env: { PATH: process.env.PATH!, HOME: process.env.HOME!, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: opts.detached,
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal!)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Waits for the "tenantflow is listening" log line and returns the server's base URL. */
export function listeningUrl(cli: CliProcess, timeoutMs = 30_000): Promise<string> {
  return whenWritten(cli, timeoutMs, 'not listening', () => {
    // Whole lines only: a chunk may end mid-line.
    for (const line of cli.stdout().split('\n').slice(0, -1)) {
      if (!line.startsWith('{')) continue;
      const entry = JSON.parse(line) as { msg?: string; url?: string };
      if (entry.msg === 'tenantflow is listening') return entry.url!.replace(/\/api$/, '');
    }
    return undefined;
  });
}

/** The lines a process wrote on stderr (empty lines dropped). */
export const stderrLines = (cli: CliProcess) => cli.stderr().split('\n').filter(Boolean);

/** Waits (bounded) until the process, or its worker child (same stdout), logged a line with this message. */
export async function untilLogged(cli: CliProcess, message: string, timeoutMs = 30_000): Promise<void> {
  await whenWritten(cli, timeoutMs, `"${message}" not logged`, () => (cli.stdout().includes(`"msg":"${message}"`) ? true : undefined));
}

/**
 * `found`'s first answer other than undefined, asked again each time the process writes to stdout: a start
 * is seen the moment it is logged, not at the next tick of a poll. Rejects when the process exits first
 * or after `timeoutMs`.
 */
function whenWritten<T>(cli: CliProcess, timeoutMs: number, failure: string, found: () => T | undefined): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const settle = (outcome: () => void) => {
      clearTimeout(timer);
      cli.child.stdout!.off('data', check);
      cli.child.off('exit', check);
      outcome();
    };
    const check = () => {
      const value = found();
      if (value !== undefined) settle(() => resolve(value));
      else if (cli.child.exitCode !== null) settle(() => reject(new Error(`exited ${cli.child.exitCode}: ${cli.stderr()}`)));
    };
    const timer = setTimeout(() => settle(() => reject(new Error(`${failure} after ${timeoutMs} ms: ${cli.stderr()}`))), timeoutMs);
    cli.child.stdout!.on('data', check);
    cli.child.once('exit', check);
    check();
  });
}

/** The URL of the embedded PostgreSQL a tenantflow process runs on `dataDir` (its password file is there). */
export function embeddedDatabaseUrl(dataDir: string, port: number): string {
  const password = fs.readFileSync(path.join(dataDir, 'postgres-password'), 'utf8').trim();
  return `postgres://tenantflow:${encodeURIComponent(password)}@127.0.0.1:${port}/tenantflow`;
}
