import { eq } from 'drizzle-orm';
import * as oauth from 'oauth4webapi';
import type { Db } from '../../db/client';
import { oauth2Tokens, type OAuth2AuthStatus } from '../../db/tables';
import { findTokens, openTokens, storeGrant, type OAuth2TokenRow } from '../../domain/oauth2/tokens';
import type { Vault } from '../../vault/vault';
import { refreshTokens, type TokenEndpointSettings } from './oauth2-token-endpoint';

/** A token expiring within this is refreshed before use, so it does not expire between read and use. */
export const REFRESH_SKEW_MS = 60_000;

/** A step cannot get a usable access token; the message names the credential and never a token. */
export class OAuth2TokenUnavailable extends Error {}

type Use = {
  db: Db;
  vault: Vault;
  orgId: string;
  holderId: string;
  /** The connection's opened inputs: tokenUrl, clientId, clientSecret, scopes. */
  inputs: Record<string, string>;
  settings: TokenEndpointSettings;
  /** After a 401 with this token: refresh unless another process already replaced it. */
  rejectedToken?: string;
};

const fresh = (row: OAuth2TokenRow, now: number) => row.expiresAt == null || row.expiresAt.getTime() - now > REFRESH_SKEW_MS;

/**
 * The access token of an authorization-code credential, refreshed first when it expires within the skew
 * (or was just rejected). The refresh is single-flight per credential across processes: it runs under the
 * token row's lock, and whoever waited re-reads the row and uses what the first one stored. The rotated
 * refresh token is committed with the new access token before either is used.
 */
export async function authorizationCodeToken(use: Use): Promise<string> {
  const row = await findTokens(use.db, use.orgId, use.holderId);
  if (!row?.accessToken) throw new OAuth2TokenUnavailable(`Credential ${use.holderId} has not been authorized yet: start an OAuth 2.0 authorization for it.`);
  const current = await openTokens(use.db, use.vault, row);
  if (fresh(row, Date.now()) && current.accessToken !== use.rejectedToken) return current.accessToken!;
  return refreshUnderLock(use);
}

async function refreshUnderLock(use: Use): Promise<string> {
  const outcome = await use.db.transaction(async (tx): Promise<{ token: string } | { message: string }> => {
    const [row] = await tx.select().from(oauth2Tokens).where(eq(oauth2Tokens.holderId, use.holderId)).for('update');
    if (!row || row.orgId !== use.orgId) return { message: `Credential ${use.holderId} has not been authorized yet.` };
    const stored = await openTokens(tx, use.vault, row);
    // Someone refreshed while this one waited for the lock.
    if (fresh(row, Date.now()) && stored.accessToken !== use.rejectedToken) return { token: stored.accessToken! };
    if (row.authStatus === 'NEEDS_REAUTHENTICATION' || row.authStatus === 'MISCONFIGURED') {
      return { message: `Credential ${use.holderId} needs a new OAuth 2.0 authorization (${row.authStatus}): ${row.lastRefreshError ?? 'refresh refused'}.` };
    }
    if (!stored.refreshToken) return { message: `Credential ${use.holderId} has an expired access token and no refresh token; authorize it again.` };
    const requestedScopes = (use.inputs.scopes ?? '').split(' ').filter(Boolean);
    const client = { tokenUrl: use.inputs.tokenUrl ?? '', clientId: use.inputs.clientId ?? '', clientSecret: use.inputs.clientSecret ?? '' };
    try {
      const grant = await refreshTokens(client, stored.refreshToken, requestedScopes, use.settings);
      await storeGrant(tx, use.vault, { kind: row.holderKind, holderId: row.holderId, owner: { orgId: row.orgId, customerId: row.customerId } }, grant);
      return { token: grant.accessToken };
    } catch (error) {
      const { status, detail } = classifyRefreshFailure(error);
      await tx
        .update(oauth2Tokens)
        .set({ authStatus: status, lastRefreshError: detail, refreshFailures: row.refreshFailures + 1, updatedAt: new Date() })
        .where(eq(oauth2Tokens.holderId, row.holderId));
      // A transient failure leaves a still-valid access token usable.
      const stillValid = row.expiresAt != null && row.expiresAt.getTime() > Date.now() && stored.accessToken !== use.rejectedToken;
      if (status === 'REFRESH_FAILING' && stillValid) return { token: stored.accessToken! };
      return { message: `Refreshing the OAuth 2.0 token of credential ${use.holderId} failed (${status}): ${detail}.` };
    }
  });
  if ('token' in outcome) return outcome.token;
  throw new OAuth2TokenUnavailable(outcome.message);
}

/**
 * The one classification of a refresh failure: the provider refused the grant (authorize again), refused
 * the client (fix the connection), or could not answer now (retry later).
 */
export function classifyRefreshFailure(error: unknown): { status: Exclude<OAuth2AuthStatus, 'ACTIVE'>; detail: string } {
  if (error instanceof oauth.ResponseBodyError) {
    const detail = `${error.error}${error.error_description ? ` (${error.error_description.slice(0, 200)})` : ''}`;
    if (error.error === 'invalid_grant') return { status: 'NEEDS_REAUTHENTICATION', detail };
    if (error.error === 'invalid_client' || error.error === 'unauthorized_client') return { status: 'MISCONFIGURED', detail };
    return { status: error.status >= 500 || error.status === 429 ? 'REFRESH_FAILING' : 'MISCONFIGURED', detail };
  }
  // Not an OAuth error body (a proxy's 502, a 404 from a wrong token URL): the HTTP status decides.
  if (error instanceof oauth.OperationProcessingError && error.cause instanceof Response) {
    const status = error.cause.status;
    return { status: status >= 500 || status === 429 ? 'REFRESH_FAILING' : 'MISCONFIGURED', detail: `HTTP ${status} from the token endpoint` };
  }
  if (error instanceof TypeError && /Invalid URL/i.test(error.message)) return { status: 'MISCONFIGURED', detail: 'invalid token URL' };
  return { status: 'REFRESH_FAILING', detail: (error as Error).message.slice(0, 200) };
}
