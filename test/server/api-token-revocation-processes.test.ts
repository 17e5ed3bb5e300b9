import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness';
import { seedOrg, type SeededOrg } from '../support/seed';
import { listeningUrl, runCli, type CliProcess } from './reliability-process';

// Far longer than the bound checked below: only the NOTIFY can end a cached token in time.
const CACHE_MS = 60_000;
const REVOKED_EVERYWHERE_WITHIN_MS = 2_000;

let h: Harness;
let org: SeededOrg;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantflow-token-cache-'));
const servers: CliProcess[] = [];

beforeAll(async () => {
  h = createHarness();
  org = await seedOrg(h.database.db);
});
afterAll(async () => {
  for (const server of servers) if (server.child.exitCode === null) server.child.kill('SIGKILL');
  await h.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

function startServer() {
  const cli = runCli(['serve', '--no-worker'], {
    DATABASE_URL: inject('databaseUrl'),
    TENANTFLOW_MASTER_KEY: inject('masterKey'),
    DATA_DIR: dataDir,
    PORT: '0',
    API_TOKEN_CACHE_MS: String(CACHE_MS),
  });
  servers.push(cli);
  return listeningUrl(cli, 60_000);
}

async function post(url: string, token: string, query: string, variables: Record<string, unknown> = {}) {
  const response = await fetch(`${url}/api`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as { data?: any; errors?: { message: string }[] };
}

const whoAmI = (url: string, token: string) => post(url, token, '{ authenticatedUser { id } }');

it(`a token revoked through one server process stops working in another within ${REVOKED_EVERYWHERE_WITHIN_MS} ms (cache ${CACHE_MS} ms)`, async () => {
  const [first, second] = await Promise.all([startServer(), startServer()]);
  const created = await post(
    first,
    org.adminToken,
    `mutation { createApiToken(input: { name: "to revoke" }) { result { token apiToken { id } } errors { field } } }`,
  );
  const { token, apiToken } = created.data.createApiToken.result;
  const adminId = (await whoAmI(first, org.adminToken)).data.authenticatedUser.id as string;

  // Both processes have it cached (several requests: the cache is trusted once each one's LISTEN is up).
  for (let i = 0; i < 5; i++) {
    for (const url of [first, second]) expect((await whoAmI(url, token)).data?.authenticatedUser.id).toBe(adminId);
  }

  const revoked = await post(first, org.adminToken, `mutation($id: ID!) { revokeApiToken(input: { id: $id }) { errors { field } } }`, { id: apiToken.id });
  expect(revoked.data.revokeApiToken.errors).toEqual([]);
  const revokedAt = Date.now();

  for (const url of [second, first]) {
    let answer = await whoAmI(url, token);
    while (answer.data?.authenticatedUser && Date.now() - revokedAt < REVOKED_EVERYWHERE_WITHIN_MS) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      answer = await whoAmI(url, token);
    }
    expect(answer.errors?.[0]?.message).toBe('Invalid or revoked API token.');
  }
  expect(Date.now() - revokedAt).toBeLessThan(REVOKED_EVERYWHERE_WITHIN_MS);
  // Other tokens are unaffected.
  expect((await whoAmI(second, org.adminToken)).data?.authenticatedUser.id).toBe(adminId);
}, 120_000);
