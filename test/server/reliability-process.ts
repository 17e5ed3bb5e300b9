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
export async function listeningUrl(cli: CliProcess, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const line of cli.stdout().split('\n')) {
      if (!line.startsWith('{')) continue;
      const entry = JSON.parse(line) as { msg?: string; url?: string };
      if (entry.msg === 'tenantflow is listening') return entry.url!.replace(/\/api$/, '');
    }
    if (cli.child.exitCode !== null) throw new Error(`exited ${cli.child.exitCode}: ${cli.stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`not listening after ${timeoutMs} ms: ${cli.stderr()}`);
}

/** The lines a process wrote on stderr (empty lines dropped). */
export const stderrLines = (cli: CliProcess) => cli.stderr().split('\n').filter(Boolean);

/** Waits (bounded) until the process, or its worker child (same stdout), logged a line with this message. */
export async function untilLogged(cli: CliProcess, message: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cli.stdout().includes(`"msg":"${message}"`)) {
    if (cli.child.exitCode !== null) throw new Error(`exited ${cli.child.exitCode}: ${cli.stderr()}`);
    if (Date.now() > deadline) throw new Error(`"${message}" not logged after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The URL of the embedded PostgreSQL a tenantflow process runs on `dataDir` (its password file is there). */
export function embeddedDatabaseUrl(dataDir: string, port: number): string {
  const password = fs.readFileSync(path.join(dataDir, 'postgres-password'), 'utf8').trim();
  return `postgres://tenantflow:${encodeURIComponent(password)}@127.0.0.1:${port}/tenantflow`;
}
