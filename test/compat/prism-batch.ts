/**
 * Runs a list of prism commands in one process: prism's 21 MB bundle takes seconds of CPU to load, so one
 * load serves every command of a test file. Reads `[{ args, token }]` as JSON from argv[2], writes
 * `[{ code, stdout, stderr }]` as JSON on the last line of stdout.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { flush, run } from '@oclif/core';

type Step = { args: string[]; token: string };

const PRISM = pathToFileURL(path.resolve('node_modules/@prismatic-io/prism/lib/run.js')).href;
const steps = JSON.parse(process.argv[2]!) as Step[];
const write = { stdout: process.stdout.write.bind(process.stdout), stderr: process.stderr.write.bind(process.stderr) };
const results: { code: number; stdout: string; stderr: string }[] = [];

for (const step of steps) {
  const captured = { stdout: '', stderr: '' };
  process.stdout.write = ((chunk: string | Uint8Array) => ((captured.stdout += String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => ((captured.stderr += String(chunk)), true)) as typeof process.stderr.write;
  process.env.PRISM_ACCESS_TOKEN = step.token;
  let code = 0;
  try {
    await run(step.args, PRISM);
    await flush();
  } catch (error) {
    const failure = error as { message?: string; oclif?: { exit?: number } };
    code = failure.oclif?.exit ?? 1;
    captured.stderr += `${failure.message ?? String(error)}\n`;
  }
  process.stdout.write = write.stdout;
  process.stderr.write = write.stderr;
  results.push({ code, ...captured });
}
write.stdout(`\n${JSON.stringify(results)}\n`);
process.exit(0);
