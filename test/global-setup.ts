import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { connectDatabase } from '../src/db/client';
import { startEmbeddedPostgres } from '../src/db/embedded-postgres';
import { runMigrations } from '../src/db/migrate';
import { createLogger } from '../src/log';
import { build, ensureBuilt } from '../scripts/build.js';
import { testBuild } from './support/test-build';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    masterKey: string;
  }
}

/**
 * One PostgreSQL for the whole run: TEST_DATABASE_URL when given, otherwise a fresh embedded server in a
 * temporary directory that is deleted afterwards. Tests never truncate; each seeds its own organization.
 */
export default async function setup(project: TestProject) {
  // Processes the tests start run precompiled code, as `npm start` does (tsx compiled for seconds per process).
  const built = ensureBuilt().then(() => build(testBuild));
  const log = createLogger('silent');
  let stop = async () => {};
  let url = process.env.TEST_DATABASE_URL;
  let dataDir: string | undefined;
  if (!url) {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantflow-test-'));
    const port = 20000 + Math.floor(Math.random() * 20000);
    const postgres = await startEmbeddedPostgres({ dataDir, port, log });
    url = postgres.url;
    stop = postgres.stop;
  }
  const database = connectDatabase(url, { max: 1 });
  await runMigrations(database);
  await database.close();
  await built;
  project.provide('databaseUrl', url);
  // One master key for the run: every worker must open what another wrapped.
  project.provide('masterKey', randomBytes(32).toString('base64'));
  return async () => {
    await stop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  };
}
