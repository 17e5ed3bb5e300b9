import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');

/**
 * The test processes that are not the CLI (which tests run as `bin/tenantflow.js`, the precompiled dist/),
 * bundled once by test/global-setup.ts into dist-test/: compiling them with tsx at every spawn cost seconds.
 */
export const testBuild = {
  outdir: 'dist-test',
  entries: [
    { out: 'worker-process', in: 'test/support/worker-process.ts' },
    { out: 'metrics-child', in: 'test/support/metrics-child.ts' },
  ],
};

/** `bin/tenantflow.js`: what `npx tenantflow` and `npm start` run. */
export const cliEntry = path.join(root, 'bin', 'tenantflow.js');

export const builtTestProcess = (name: 'worker-process' | 'metrics-child') => path.join(root, testBuild.outdir, `${name}.js`);
