/**
 * `npm run bench`: runs every bench/*.bench.ts in name order against one throwaway embedded PostgreSQL and
 * the real HTTP server. `npm run bench -- nested` runs only the files whose name contains "nested".
 * A benchmark that fails (or whose assertion fails) makes the run exit non-zero; the others still run.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { machineDescription, startBenchEnv, type Benchmark } from './support';

const here = path.dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = fs
  .readdirSync(here)
  .filter((file) => file.endsWith('.bench.ts'))
  .filter((file) => only.length === 0 || only.some((word) => file.includes(word)))
  .sort();

async function main() {
  if (files.length === 0) throw new Error(`no benchmark matches ${only.join(', ')}`);
  console.log('tenantflow benchmarks\n');
  console.log(machineDescription());
  console.log(`benchmarks: ${files.join(', ')}\n`);

  const started = Date.now();
  const env = await startBenchEnv();
  console.log(`setup (embedded PostgreSQL, migrations, HTTP server at ${env.api.url}): ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  const failed: string[] = [];
  try {
    for (const file of files) {
      const { run } = (await import(pathToFileURL(path.join(here, file)).href)) as { run: Benchmark };
      console.log(`=== ${file} ===`);
      const t0 = Date.now();
      try {
        await run(env);
        console.log(`(${file}: ${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
      } catch (error) {
        failed.push(file);
        console.error(`FAILED ${file}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      }
    }
  } finally {
    await env.close();
  }
  console.log(`total: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (failed.length > 0) {
    console.error(`failed: ${failed.join(', ')}`);
    process.exitCode = 1;
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
