import { and, asc, count, eq, ne } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { oauth2Tokens, type OAuth2AuthStatus, type OAuth2HolderKind } from '../../db/tables';
import type { KeyOwner, Vault } from '../../vault/vault';
import { isOrgUser, type Actor } from '../actor';
import type { Page, PageResult } from '../pagination';

export type OAuth2TokenRow = typeof oauth2Tokens.$inferSelect;

/** What a token request granted; `refreshToken` null keeps the stored one (providers that do not rotate). */
export type TokenGrant = { accessToken: string; refreshToken: string | null; expiresAt: Date | null; scopes: string[] };

const ACCESS = 'oauth2.accessToken';
const REFRESH = 'oauth2.refreshToken';

/** Stores a new grant for a holder (after authorization or refresh) and marks it ACTIVE. */
export async function storeGrant(
  db: DbOrTx,
  vault: Vault,
  holder: { kind: OAuth2HolderKind; holderId: string; owner: KeyOwner },
  grant: TokenGrant,
): Promise<void> {
  const slot = (field: string) => ({ record: holder.holderId, field });
  const accessToken = await vault.seal(db, holder.owner, slot(ACCESS), grant.accessToken);
  const refreshToken = grant.refreshToken ? await vault.seal(db, holder.owner, slot(REFRESH), grant.refreshToken) : undefined;
  const fresh = {
    accessToken,
    ...(refreshToken ? { refreshToken } : {}),
    expiresAt: grant.expiresAt,
    scopes: grant.scopes,
    authStatus: 'ACTIVE' as const,
    lastRefreshedAt: new Date(),
    lastRefreshError: null,
    refreshFailures: 0,
    refreshClaimedUntil: null,
    nextRefreshAt: null,
    failedClientFingerprint: null,
    updatedAt: new Date(),
  };
  await db
    .insert(oauth2Tokens)
    .values({ holderId: holder.holderId, holderKind: holder.kind, orgId: holder.owner.orgId, customerId: holder.owner.customerId, ...fresh })
    .onConflictDoUpdate({ target: oauth2Tokens.holderId, set: fresh });
}

/** Opens a stored row's tokens; only the engine (and its refresh) calls this. */
export async function openTokens(db: DbOrTx, vault: Vault, row: OAuth2TokenRow): Promise<{ accessToken: string | null; refreshToken: string | null }> {
  const owner = { orgId: row.orgId, customerId: row.customerId };
  const open = (field: string, sealed: OAuth2TokenRow['accessToken']) => (sealed ? vault.open(db, owner, { record: row.holderId, field }, sealed) : null);
  return { accessToken: await open(ACCESS, row.accessToken), refreshToken: await open(REFRESH, row.refreshToken) };
}

export async function findTokens(db: DbOrTx, orgId: string, holderId: string): Promise<OAuth2TokenRow | null> {
  const [row] = await db
    .select()
    .from(oauth2Tokens)
    .where(and(eq(oauth2Tokens.orgId, orgId), eq(oauth2Tokens.holderId, holderId)));
  return row ?? null;
}

/** Credentials by status, so a vendor can ask the customers whose credential needs them to reconnect. */
export async function listOAuth2Credentials(
  db: DbOrTx,
  actor: Actor,
  filter: { authStatus: OAuth2AuthStatus | null },
  page: Page,
): Promise<PageResult<OAuth2TokenRow>> {
  const where = and(
    eq(oauth2Tokens.orgId, actor.orgId),
    // A customer's users see its credentials, but not one another's own authentications.
    isOrgUser(actor) ? undefined : and(eq(oauth2Tokens.customerId, actor.customerId!), ne(oauth2Tokens.holderKind, 'USER_AUTHENTICATION')),
    filter.authStatus ? eq(oauth2Tokens.authStatus, filter.authStatus) : undefined,
  );
  const [rows, [total]] = await Promise.all([
    db.select().from(oauth2Tokens).where(where).orderBy(asc(oauth2Tokens.createdAt), asc(oauth2Tokens.holderId)).limit(page.limit).offset(page.offset),
    db.select({ n: count() }).from(oauth2Tokens).where(where),
  ]);
  return { rows, totalCount: total?.n ?? 0 };
}
