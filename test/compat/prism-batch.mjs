/**
 * Runs a list of prism commands in one process: prism's 21 MB bundle takes seconds of CPU to load, so one
 * load serves every command of a test file. Reads `[{ args, token }]` as JSON from argv[2], writes
 * `[{ code, stdout, stderr }]` as JSON on the last line of stdout.
 *
 * Plain JavaScript on purpose: under tsx's loader the bundle takes ten times longer to load (measured:
 * 108 s instead of 10.6 s on a loaded machine), since tsx's hooks see every byte of it.
 */
import path from 'node:path';
import process from 'node:process';
import { pathToFileURL } from 'node:url';
import { flush, run } from '@oclif/core';

const PRISM = pathToFileURL(path.resolve('node_modules/@prismatic-io/prism/lib/run.js')).href;
/** @type {{ args: string[]; token: string }[]} */
const steps = JSON.parse(process.argv[2]);
const write = { stdout: process.stdout.write.bind(process.stdout), stderr: process.stderr.write.bind(process.stderr) };
const results = [];

for (const step of steps) {
  const captured = { stdout: '', stderr: '' };
  process.stdout.write = (chunk) => ((captured.stdout += String(chunk)), true);
  process.stderr.write = (chunk) => ((captured.stderr += String(chunk)), true);
  process.env.PRISM_ACCESS_TOKEN = step.token;
  let code = 0;
  try {
    await run(step.args, PRISM);
    await flush();
  } catch (error) {
    code = error?.oclif?.exit ?? 1;
    captured.stderr += `${error?.message ?? String(error)}\n`;
  }
  process.stdout.write = write.stdout;
  process.stderr.write = write.stderr;
  results.push({ code, ...captured });
}
write.stdout(`\n${JSON.stringify(results)}\n`);
process.exit(0);
