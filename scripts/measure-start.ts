/**
 * Cold and warm start of `tenantflow serve` to the first answered query, on the embedded PostgreSQL.
 * Cold: a new data dir (initdb + migrations + first organization). Warm: the same dir again.
 * Usage: npx tsx scripts/measure-start.ts
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const port = 4900 + Math.floor(Math.random() * 100);
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantflow-start-'));

async function startOnce(): Promise<{ ms: number; token: string | null }> {
  const started = performance.now();
  const child = spawn(process.execPath, ['bin/tenantflow.js', 'serve'], {
    env: { ...process.env, DATA_DIR: dataDir, PORT: String(port), EMBEDDED_PG_PORT: String(port + 1000), LOG_LEVEL: 'warn', DATABASE_URL: '' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  try {
    for (let i = 0; i < 1500; i++) {
      const token = /tf_[A-Za-z0-9_-]+/.exec(output)?.[0] ?? tokenFromEarlierRun;
      if (token) {
        const res = await fetch(`http://127.0.0.1:${port}/api`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ query: '{ authenticatedUser { id } }' }),
        }).catch(() => null);
        if (res?.ok) return { ms: performance.now() - started, token };
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error('the server did not answer within 30 s');
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

let tokenFromEarlierRun: string | null = null;
const cold = await startOnce();
tokenFromEarlierRun = cold.token;
const warm: number[] = [];
for (let i = 0; i < 3; i++) warm.push((await startOnce()).ms);
fs.rmSync(dataDir, { recursive: true, force: true });
console.log(`cold start to first answered query: ${Math.round(cold.ms)} ms`);
console.log(`warm start to first answered query: ${warm.map((ms) => Math.round(ms)).join(' / ')} ms (target < 2000 ms)`);
