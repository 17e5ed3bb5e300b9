import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');

export type CliProcess = {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the exit code (or the signal's name) once the process has exited. */
  exited: Promise<number | string>;
};

/** `tenantflow <args>` as a real process, with only the given settings (plus PATH and HOME). */
export function runCli(args: string[], env: Record<string, string>): CliProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', ...args], {
    cwd: root,
    env: { PATH: process.env.PATH!, HOME: process.env.HOME!, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
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
