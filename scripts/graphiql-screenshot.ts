/**
 * Opens GraphiQL in headless Chromium with every request that leaves 127.0.0.1 blocked, and saves a
 * screenshot. `npm run graphiql:screenshot` starts a server (embedded Postgres unless DATABASE_URL is set)
 * on a free port and writes artifacts/graphiql.png. Needs Debian's chromium (`apt-get install chromium`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

export type ScreenshotResult = { blockedRequests: string[]; editorVisible: boolean; introspectionStatus: number | null; file: string | null };

export async function screenshotGraphiQL(opts: { url: string; executablePath: string; outFile?: string }): Promise<ScreenshotResult> {
  const browser = await chromium.launch({
    executablePath: opts.executablePath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
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
    let file: string | null = null;
    if (opts.outFile) {
      fs.mkdirSync(path.dirname(opts.outFile), { recursive: true });
      await page.screenshot({ path: opts.outFile });
      file = opts.outFile;
    }
    return { blockedRequests, editorVisible, introspectionStatus, file };
  } finally {
    await browser.close();
  }
}

async function main() {
  const { loadConfig } = await import('../src/config');
  const { createLogger } = await import('../src/log');
  const { startServer } = await import('../src/main');
  const config = loadConfig({ ...process.env, PORT: '0' });
  const server = await startServer(config, createLogger('warn'));
  try {
    const outFile = path.resolve('artifacts/graphiql.png');
    const result = await screenshotGraphiQL({ url: `${server.url}/graphql`, executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', outFile });
    console.log(JSON.stringify(result, null, 2));
    if (!result.editorVisible || result.blockedRequests.length > 0) process.exitCode = 1;
  } finally {
    await server.stop();
  }
}

if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) await main();
