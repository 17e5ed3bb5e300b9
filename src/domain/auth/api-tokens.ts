import { createHash, randomBytes } from 'node:crypto';
import { and, desc, eq, inArray, isNull, lt, or, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { apiTokens, users } from '../../db/tables';
import { requireOrgAdmin, requireOrgUser, type Actor } from '../actor';
import { FieldErrors, NotFoundError } from '../errors';

export type ApiToken = Omit<typeof apiTokens.$inferSelect, 'tokenHash'>;

// A recognisable prefix lets secret scanners (and people) tell a tenantflow token from other strings.
const TOKEN_PREFIX = 'tf_';

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');
export const looksLikeApiToken = (token: string) => token.startsWith(TOKEN_PREFIX);

const publicColumns = {
  id: apiTokens.id,
  orgId: apiTokens.orgId,
  userId: apiTokens.userId,
  name: apiTokens.name,
  createdAt: apiTokens.createdAt,
  lastUsedAt: apiTokens.lastUsedAt,
  revokedAt: apiTokens.revokedAt,
};

/** Mints a token; the plain value exists only in the return value, the database keeps its hash. */
export async function issueApiToken(db: DbOrTx, owner: { orgId: string; userId: string; name: string }) {
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  const [record] = await db
    .insert(apiTokens)
    .values({ ...owner, tokenHash: hashToken(token) })
    .returning(publicColumns);
  return { token, record: record! };
}

/**
 * Org users create tokens that act as themselves. Admins may create one for another user of their
 * organization (`userId`): how a user they added gets access, since tenantflow sends no invitations.
 */
export async function createApiToken(db: DbOrTx, actor: Actor, input: { name: string; userId?: string | null }) {
  requireOrgUser(actor, 'create API tokens');
  if (input.userId != null && input.userId !== actor.userId) requireOrgAdmin(actor, 'create API tokens for other users');
  const errors = new FieldErrors();
  if (!input.name?.trim()) errors.add('name', 'This field is required.');
  else if (input.name.length > 100) errors.add('name', 'Must be at most 100 characters.');
  const [owner] =
    input.userId == null
      ? [{ id: actor.userId }]
      : await db
          .select({ id: users.id })
          .from(users)
          .where(and(eq(users.orgId, actor.orgId), eq(users.id, input.userId)));
  if (!owner) errors.add('user', 'No user of this organization has this id.');
  errors.throwIfAny();
  return issueApiToken(db, { orgId: actor.orgId, userId: owner!.id, name: input.name.trim() });
}

export async function listApiTokens(db: DbOrTx, actor: Actor): Promise<ApiToken[]> {
  requireOrgUser(actor, 'list API tokens');
  const mine = and(eq(apiTokens.orgId, actor.orgId), eq(apiTokens.userId, actor.userId));
  const scope = actor.role === 'admin' ? eq(apiTokens.orgId, actor.orgId) : mine;
  return db.select(publicColumns).from(apiTokens).where(scope).orderBy(desc(apiTokens.createdAt));
}

/** Admins revoke any token of their organization, members only their own. */
export async function revokeApiToken(db: DbOrTx, actor: Actor, id: string): Promise<ApiToken> {
  requireOrgUser(actor, 'revoke API tokens');
  const owned =
    actor.role === 'admin'
      ? and(eq(apiTokens.orgId, actor.orgId), eq(apiTokens.id, id))
      : and(eq(apiTokens.orgId, actor.orgId), eq(apiTokens.userId, actor.userId), eq(apiTokens.id, id));
  const [row] = await db
    .update(apiTokens)
    .set({ revokedAt: new Date() })
    .where(and(owned, isNull(apiTokens.revokedAt)))
    .returning(publicColumns);
  if (row) return row;
  const [already] = await db.select(publicColumns).from(apiTokens).where(owned);
  if (!already) throw new NotFoundError();
  return already;
}

/** The token's id and who it acts as, or null for an unknown or revoked token. Reads only. */
export async function lookupApiToken(db: DbOrTx, tokenHash: string): Promise<{ tokenId: string; actor: Actor } | null> {
  const [row] = await db
    .select({ tokenId: apiTokens.id, orgId: users.orgId, userId: users.id, role: users.role, customerId: users.customerId })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .where(and(eq(apiTokens.tokenHash, tokenHash), isNull(apiTokens.revokedAt)));
  if (!row) return null;
  return { tokenId: row.tokenId, actor: { orgId: row.orgId, userId: row.userId, role: row.role, customerId: row.customerId } };
}

/**
 * Records that these tokens were used now, at most once a minute per token: "last used" is for people
 * auditing tokens, and a write on every request would make each read cost a commit.
 */
export async function touchApiTokens(db: DbOrTx, tokenIds: readonly string[]) {
  if (tokenIds.length === 0) return;
  await db
    .update(apiTokens)
    .set({ lastUsedAt: new Date() })
    .where(and(inArray(apiTokens.id, [...tokenIds]), or(isNull(apiTokens.lastUsedAt), lt(apiTokens.lastUsedAt, sql`now() - interval '1 minute'`))));
}

/** Without a cache (cached-api-tokens.ts): one lookup per request, "last used" written best effort. */
export async function authenticateApiToken(db: DbOrTx, token: string): Promise<Actor | null> {
  const found = await lookupApiToken(db, hashToken(token));
  if (!found) return null;
  void touchApiTokens(db, [found.tokenId]).catch(() => {});
  return found.actor;
}
