/**
 * Opens GraphiQL in headless Chromium with every request that leaves 127.0.0.1 blocked, and saves a
 * screenshot. `npm run graphiql:screenshot` starts a server (embedded Postgres unless DATABASE_URL is set)
 * on a free port and writes artifacts/graphiql.png. Needs Debian's chromium (`apt-get install chromium`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

export type ScreenshotResult = {
  blockedRequests: string[];
  editorVisible: boolean;
  introspectionStatus: number | null;
  /** With a token: whether running the welcome query showed the caller's data in the response pane. */
  queryAnswered: boolean | null;
  file: string | null;
};

export async function screenshotGraphiQL(opts: { url: string; executablePath: string; outFile?: string; token?: string }): Promise<ScreenshotResult> {
  const browser = await chromium.launch({
    executablePath: opts.executablePath,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const blockedRequests: string[] = [];
    await page.route('**/*', (route) => {
      const host = new URL(route.request().url()).hostname;
      if (host === '127.0.0.1' || host === 'localhost') return route.continue();
      blockedRequests.push(route.request().url());
      return route.abort();
    });
    const introspection = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().startsWith(opts.url), { timeout: 15_000 });
    await page.goto(opts.url, { waitUntil: 'load', timeout: 15_000 });
    const introspectionStatus = await introspection.then((r) => r.status()).catch(() => null);
    const editorVisible = await page
      .locator('.graphiql-container')
      .first()
      .waitFor({ state: 'visible', timeout: 15_000 })
      .then(() => true)
      .catch(() => false);
    const queryAnswered = opts.token && editorVisible ? await runWelcomeQuery(page, opts.token) : null;
    let file: string | null = null;
    if (opts.outFile) {
      fs.mkdirSync(path.dirname(opts.outFile), { recursive: true });
      await page.screenshot({ path: opts.outFile });
      file = opts.outFile;
    }
    return { blockedRequests, editorVisible, introspectionStatus, queryAnswered, file };
  } finally {
    await browser.close();
  }
}

/** Types the token into the Headers editor, as a person would, runs the welcome query and reads the answer. */
async function runWelcomeQuery(page: import('playwright-core').Page, token: string): Promise<boolean> {
  await page.getByText('Headers', { exact: true }).click();
  const headers = page.locator('.graphiql-editor-tool .graphiql-editor').last();
  await headers.click();
  await page.keyboard.insertText(JSON.stringify({ Authorization: `Bearer ${token}` }));
  await page.locator('.graphiql-execute-button').click();
  return page
    .locator('.graphiql-response')
    .getByText('authenticatedUser')
    .first()
    .waitFor({ state: 'visible', timeout: 15_000 })
    .then(() => true)
    .catch(() => false);
}

async function main() {
  const { loadConfig } = await import('../src/config');
  const { createLogger } = await import('../src/log');
  const { startServer } = await import('../src/main');
  const { openDatabase } = await import('../src/db/open');
  const { findAdmin } = await import('../src/domain/organizations/operator');
  const { createApiToken, revokeApiToken } = await import('../src/domain/auth/api-tokens');
  const config = loadConfig({ ...process.env, PORT: '0' });
  const log = createLogger('warn');
  const server = await startServer(config, log);
  // A token of the (first) organization's admin, made the way `tenantflow token create` makes one.
  const database = await openDatabase(config, log, { migrate: false });
  const admin = await findAdmin(database.db, {});
  const { token, record } = await createApiToken(database.db, admin, { name: 'graphiql screenshot' });
  try {
    const outFile = path.resolve('artifacts/graphiql.png');
    const result = await screenshotGraphiQL({ url: `${server.url}/graphql`, executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', outFile, token });
    console.log(JSON.stringify(result, null, 2));
    if (!result.editorVisible || !result.queryAnswered || result.blockedRequests.length > 0) process.exitCode = 1;
  } finally {
    // The token existed only for this screenshot: an admin token left behind in ./data is a standing risk.
    await revokeApiToken(database.db, admin, record.id);
    await database.shutdown();
    await server.stop();
  }
}

if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) await main();
