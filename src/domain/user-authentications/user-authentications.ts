import { and, asc, count, eq, getTableColumns, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { oauth2Tokens, userAuthentications, users, type OAuth2AuthStatus } from '../../db/tables';
import type { Vault } from '../../vault/vault';
import { requireOrgAdmin, type Actor } from '../actor';
import { getScopedConfigVariable } from '../connections/scoped-config-variables';
import { InvalidInputError, NotFoundError } from '../errors';
import { authorizeUrlFor, type AuthorizationUris } from '../oauth2/authorization';
import { findInlineConnection, userConnectionClient } from '../oauth2/holders';
import { connectionOfRef, scopedConnectionRef, inlineConnectionRef, type UserAuthenticationConnection } from './connection-refs';
import { enabledConnection } from './enabled-connections';
import type { Page, PageResult } from '../pagination';

type WaitingRun = { status: string; waitingUserId: string | null; waitingConnectionRef: string | null };

/** The connection a run in AUTHENTICATION_NEEDED waits for; null for a run that waits for nothing. */
export function waitingConnectionOf(run: WaitingRun): UserAuthenticationConnection | null {
  return run.status === 'AUTHENTICATION_NEEDED' && run.waitingConnectionRef ? connectionOfRef(run.waitingConnectionRef) : null;
}

/** A user's authentication as shown: its token state, never a token. */
export type UserAuthenticationView = typeof userAuthentications.$inferSelect & {
  userName: string;
  authStatus: OAuth2AuthStatus;
  expiresAt: Date | null;
  lastRefreshedAt: Date | null;
  lastRefreshError: string | null;
};

const viewColumns = {
  ...getTableColumns(userAuthentications),
  userName: users.name,
  authStatus: oauth2Tokens.authStatus,
  expiresAt: oauth2Tokens.expiresAt,
  lastRefreshedAt: oauth2Tokens.lastRefreshedAt,
  lastRefreshError: oauth2Tokens.lastRefreshError,
};

export type StartUserAuthenticationInput = AuthorizationUris & { connection: UserAuthenticationConnection };

/**
 * Starts the OAuth 2.0 flow for the signed-in user themselves on a connection with user authentications
 * enabled. Writes nothing: the callback creates the user's authentication with its tokens.
 */
export async function startUserAuthentication(db: DbOrTx, vault: Vault, actor: Actor, input: StartUserAuthenticationInput) {
  const { connectionRef } = await enabledConnection(db, actor, input.connection);
  try {
    const client = await userConnectionClient(db, actor, input.connection);
    return await authorizeUrlFor(db, vault, actor, { client, holder: { kind: 'USER_AUTHENTICATION', connectionRef } }, input);
  } catch (error) {
    // authorizeUrlFor names its holder "target"; this mutation calls it "connection".
    if (!(error instanceof InvalidInputError)) throw error;
    throw new InvalidInputError(error.fieldErrors.map((e) => (e.field === 'target' ? { ...e, field: 'connection' } : e)));
  }
}

/**
 * The way out of a run that waits for the signed-in user: starts their authentication on the connection it
 * waits for (the run resumes by itself after the callback). Null for anyone else's run or one not waiting.
 */
export async function startAuthenticationForWaitingRun(db: DbOrTx, vault: Vault, actor: Actor, run: WaitingRun, urls: AuthorizationUris) {
  const connection = waitingConnectionOf(run);
  if (run.waitingUserId !== actor.userId || !connection) return null;
  return startUserAuthentication(db, vault, actor, { connection, ...urls });
}

/** The signed-in user's own authentications (those that hold tokens). */
export async function listMyUserAuthentications(db: DbOrTx, actor: Actor, page: Page): Promise<PageResult<UserAuthenticationView>> {
  return listWhere(db, and(eq(userAuthentications.orgId, actor.orgId), eq(userAuthentications.userId, actor.userId))!, page);
}

/** Who has authenticated on a connection, with each one's authStatus: for the organization's admins. */
export async function listConnectionUserAuthentications(
  db: DbOrTx,
  actor: Actor,
  scopedConfigVariableId: string,
  page: Page,
): Promise<PageResult<UserAuthenticationView>> {
  requireOrgAdmin(actor, "list the users' authentications of a connection");
  const scv = await getScopedConfigVariable(db, actor, scopedConfigVariableId);
  return listWhere(db, and(eq(userAuthentications.orgId, actor.orgId), eq(userAuthentications.connectionRef, scopedConnectionRef(scv.id)))!, page);
}

/** Who has authenticated on an instance's inline connection, with each one's authStatus: for the organization's admins. */
export async function listInlineUserAuthentications(
  db: DbOrTx,
  actor: Actor,
  instanceId: string,
  configVariableKey: string,
  page: Page,
): Promise<PageResult<UserAuthenticationView>> {
  requireOrgAdmin(actor, "list the users' authentications of a connection");
  const { instance, configVar } = await findInlineConnection(db, actor, instanceId, configVariableKey);
  return listWhere(
    db,
    and(eq(userAuthentications.orgId, actor.orgId), eq(userAuthentications.connectionRef, inlineConnectionRef(instance.id, configVar.key)))!,
    page,
  );
}

async function listWhere(db: DbOrTx, where: ReturnType<typeof eq>, page: Page): Promise<PageResult<UserAuthenticationView>> {
  const [rows, [total]] = await Promise.all([
    db
      .select(viewColumns)
      .from(userAuthentications)
      .innerJoin(oauth2Tokens, eq(oauth2Tokens.holderId, sql`${userAuthentications.id}::text`))
      .innerJoin(users, eq(users.id, userAuthentications.userId))
      .where(where)
      .orderBy(asc(userAuthentications.createdAt), asc(userAuthentications.id))
      .limit(page.limit)
      .offset(page.offset),
    db
      .select({ n: count() })
      .from(userAuthentications)
      .innerJoin(oauth2Tokens, eq(oauth2Tokens.holderId, sql`${userAuthentications.id}::text`))
      .where(where),
  ]);
  return { rows, totalCount: total?.n ?? 0 };
}

/** Removes the signed-in user's own authentication and its tokens; another user's id reads as not found. */
export async function deleteUserAuthentication(db: DbOrTx, actor: Actor, id: string): Promise<{ id: string }> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .delete(userAuthentications)
      .where(and(eq(userAuthentications.orgId, actor.orgId), eq(userAuthentications.id, id), eq(userAuthentications.userId, actor.userId)))
      .returning({ id: userAuthentications.id });
    if (!row) throw new NotFoundError();
    await tx.delete(oauth2Tokens).where(and(eq(oauth2Tokens.orgId, actor.orgId), eq(oauth2Tokens.holderId, row.id)));
    return row;
  });
}
