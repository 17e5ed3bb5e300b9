import { expect } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { App } from '../../src/http/app';

export type PrismResult = { code: number; stdout: string; stderr: string };
export type PrismStep = { args: string[]; token: string };

/**
 * Serves an app on a loopback port for the prism process; the app is made once the port is known, so the
 * links it answers with (resultsUrl) point at this server.
 */
export async function listen(appFor: (url: string) => App) {
  const served: { app?: App } = {};
  const server = http.createServer((request, response) => served.app!(request, response));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  served.app = appFor(url);
  return { url, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/**
 * Runs the real prism CLI's commands, in order, as a vendor would (`PRISMATIC_URL`, `PRISM_ACCESS_TOKEN`),
 * with a home of its own (no profile of the machine's user is read or written) and without its npm update
 * check (no traffic leaves the machine).
 */
export function prism(url: string, steps: PrismStep[]): Promise<PrismResult[]> {
  const home = mkdtempSync(path.join(tmpdir(), 'prism-home-'));
  const env = {
    PATH: process.env.PATH,
    HOME: home,
    XDG_CONFIG_HOME: home,
    XDG_DATA_HOME: home,
    XDG_CACHE_HOME: home,
    PRISMATIC_URL: url,
    PRISM_SKIP_NEW_VERSION_CHECK: 'true',
    NO_COLOR: '1',
    // Many commands in one process add listeners to stdout that Node warns about; the warning is no output of prism.
    NODE_NO_WARNINGS: '1',
  };
  const batch = path.resolve('test/compat/prism-batch.mjs');
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [batch, JSON.stringify(steps)], { env, timeout: 120_000, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      const last = stdout.trim().split('\n').at(-1) ?? '';
      if (error || !last.startsWith('[')) reject(new Error(`prism batch failed: ${error?.message ?? ''}\n${stderr}\n${stdout}`));
      else resolve(JSON.parse(last) as PrismResult[]);
    });
  });
}

/** Runs named prism commands in one batch as one caller; the results are keyed by the same names. */
export async function prismCommands(url: string, token: string, commands: Record<string, string[]>): Promise<Record<string, PrismResult>> {
  const names = Object.keys(commands);
  const outputs = await prism(
    url,
    names.map((name) => ({ args: commands[name]!, token })),
  );
  return Object.fromEntries(names.map((name, i) => [name, outputs[i]!]));
}

/** A command's output, once it is known to have exited 0 with nothing on stderr. */
export function succeededIn(results: Record<string, PrismResult>, name: string) {
  const result = results[name]!;
  expect(result.stderr, name).toBe('');
  expect(result.code, name).toBe(0);
  return result.stdout;
}
