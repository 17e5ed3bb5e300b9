import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { connectDatabase } from '../../src/db/client';
import { apiTokens, users } from '../../src/db/tables';
import { startCachedApiTokens, type CachedApiTokens } from '../../src/domain/auth/cached-api-tokens';
import { hashToken } from '../../src/domain/auth/api-tokens';
import { createLogger } from '../../src/log';
import { seedOrg, type SeededOrg } from '../support/seed';

// One pool whose statements are counted: the cache's own lookups and "last used" writes go through it.
const statements: string[] = [];
const database = connectDatabase(inject('databaseUrl'), { max: 3, onQuery: (sql) => statements.push(sql) });
let tokens: CachedApiTokens;
let org: SeededOrg;

beforeAll(async () => {
  org = await seedOrg(database.db);
  tokens = startCachedApiTokens(database, { ttlMs: 60_000, log: createLogger('silent') });
  await untilCached(org.adminToken);
});
afterAll(async () => {
  await tokens.stop();
  await database.close();
});

/** The cache is trusted once its LISTEN is up (asynchronously): authenticates until a call runs no SQL. */
async function untilCached(token: string) {
  for (let i = 0; i < 100; i++) {
    statements.length = 0;
    await tokens.authenticate(token);
    if (statements.length === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('token never served from the cache');
}

async function until(check: () => Promise<boolean>, what: string) {
  const deadline = Date.now() + 2_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} not within 2 s`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

it('authenticates a token seen before without any SQL statement, as the same actor', async () => {
  statements.length = 0;
  const actor = await tokens.authenticate(org.adminToken);
  expect(statements).toEqual([]);
  expect(actor).toEqual(org.admin);
  expect(await tokens.authenticate('tf_unknown')).toBeNull();
  expect(statements).toHaveLength(1);
});

it("forgets a token's actor when its user's role changes (trigger + NOTIFY), and a revoked one at once", async () => {
  const [member] = await database.db
    .select({ id: apiTokens.userId })
    .from(apiTokens)
    .where(eq(apiTokens.tokenHash, hashToken(org.memberToken)));
  await untilCached(org.memberToken);
  expect((await tokens.authenticate(org.memberToken))?.role).toBe('member');
  await database.db.update(users).set({ role: 'admin' }).where(eq(users.id, member!.id));
  await until(async () => (await tokens.authenticate(org.memberToken))?.role === 'admin', 'the new role');

  await database.db
    .update(apiTokens)
    .set({ revokedAt: new Date() })
    .where(eq(apiTokens.tokenHash, hashToken(org.memberToken)));
  await until(async () => (await tokens.authenticate(org.memberToken)) === null, 'the revocation');
});

it('writes "last used" in batches, not per request', async () => {
  statements.length = 0;
  for (let i = 0; i < 20; i++) await tokens.authenticate(org.adminToken);
  expect(statements.filter((sql) => sql.startsWith('update'))).toEqual([]);
  await tokens.stop();
  expect(statements.filter((sql) => sql.startsWith('update "api_tokens"'))).toHaveLength(1);
  const [row] = await database.db
    .select({ lastUsedAt: apiTokens.lastUsedAt })
    .from(apiTokens)
    .where(eq(apiTokens.tokenHash, hashToken(org.adminToken)));
  expect(row!.lastUsedAt).not.toBeNull();
});
