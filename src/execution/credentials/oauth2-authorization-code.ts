import { createHash } from 'node:crypto';
import { and, eq, isNull, lt, or, sql } from 'drizzle-orm';
import * as oauth from 'oauth4webapi';
import type { Db } from '../../db/client';
import { oauth2Tokens, type OAuth2AuthStatus, type StepErrorKind } from '../../db/tables';
import { findTokens, openTokens, storeGrant, type OAuth2TokenRow } from '../../domain/oauth2/tokens';
import type { Vault } from '../../vault/vault';
import { refreshTokens, type TokenEndpointSettings } from './oauth2-token-endpoint';
import { errorKindOf, refreshBackoffMs, refreshDecision } from './oauth2-refresh-decision';

/** A step cannot get a usable access token; the message names the credential and never a token. */
export class OAuth2TokenUnavailable extends Error {
  constructor(
    readonly kind: StepErrorKind,
    message: string,
  ) {
    super(message);
  }
}

export type RefreshSettings = TokenEndpointSettings & {
  /** OAUTH2_REFRESH_BACKOFF_BASE_MS / _MAX_MS: delay after a transient refresh failure, doubling, capped. */
  backoffBaseMs: number;
  backoffMaxMs: number;
};

export type TokenUse = {
  db: Db;
  vault: Vault;
  orgId: string;
  holderId: string;
  /** The connection's opened inputs: tokenUrl, clientId, clientSecret, scopes. */
  inputs: Record<string, string>;
  settings: RefreshSettings;
  /** After a 401 with this token: refresh unless another process already replaced it. */
  rejectedToken?: string;
  /** Refresh a token expiring within this (default REFRESH_SKEW_MS); the worker's proactive refresh widens it. */
  skewMs?: number;
};

// A claim outlives the token request (aborted at timeoutMs) by this, so a live claimer always stores first.
const CLAIM_MARGIN_MS = 5_000;
const WAIT_POLL_MS = 40;

/** Identifies the client inputs a MISCONFIGURED credential failed with, without storing them. */
export const clientFingerprint = (inputs: Record<string, string>) =>
  createHash('sha256')
    .update(['tokenUrl', 'clientId', 'clientSecret'].map((key) => inputs[key] ?? '').join('\u0000'))
    .digest('hex');

/**
 * The access token of an authorization-code credential, refreshed first when it expires within the skew
 * (or was just rejected). Refresh is single-flight per credential across processes: one process claims
 * the row (a committed `refresh_claimed_until`), sends the token request holding no database connection,
 * and stores the answer in one statement before anyone uses it; the others poll the row and take what it
 * stored. A claimer that dies loses its claim when it lapses.
 */
export async function authorizationCodeToken(use: TokenUse): Promise<string> {
  const claimMs = use.settings.timeoutMs + CLAIM_MARGIN_MS;
  const fingerprint = clientFingerprint(use.inputs);
  const giveUpAt = Date.now() + 2 * claimMs;
  for (;;) {
    const row = await findTokens(use.db, use.orgId, use.holderId);
    if (!row?.accessToken) throw unavailable(use, 'AUTH_NEEDS_REAUTHENTICATION', 'has not been authorized yet: start an OAuth 2.0 authorization for it');
    const stored = await openTokens(use.db, use.vault, row);
    const rejected = stored.accessToken === use.rejectedToken;
    const decision = refreshDecision(stateOf(row), new Date(), rejected, fingerprint, use.skewMs);
    switch (decision.action) {
      case 'use':
        return stored.accessToken!;
      case 'refuse':
        throw unavailable(use, decision.kind, decision.reason);
      case 'wait':
        if (Date.now() > giveUpAt) throw unavailable(use, 'AUTH_TRANSIENT', 'is being refreshed by another process that did not finish');
        await new Promise((resolve) => setTimeout(resolve, WAIT_POLL_MS + Math.random() * WAIT_POLL_MS));
        continue;
      case 'refresh': {
        const claimed = await claimRefresh(use.db, row.holderId, claimMs);
        if (!claimed) continue;
        // The claim's row is the latest: someone may have refreshed between the read and the claim.
        const current = claimed.refreshToken === row.refreshToken ? stored : await openTokens(use.db, use.vault, claimed);
        return refreshClaimed(use, claimed, current, fingerprint);
      }
    }
  }
}

const stateOf = (row: OAuth2TokenRow) => ({
  authStatus: row.authStatus,
  expiresAt: row.expiresAt,
  hasRefreshToken: row.refreshToken != null,
  refreshClaimedUntil: row.refreshClaimedUntil,
  nextRefreshAt: row.nextRefreshAt,
  failedClientFingerprint: row.failedClientFingerprint,
  lastRefreshError: row.lastRefreshError,
});

/** Takes the refresh claim when nobody holds a live one; the one UPDATE decides between processes. */
async function claimRefresh(db: Db, holderId: string, claimMs: number): Promise<OAuth2TokenRow | null> {
  const [row] = await db
    .update(oauth2Tokens)
    .set({ refreshClaimedUntil: sql`now() + ${`${claimMs} milliseconds`}::interval` })
    .where(and(eq(oauth2Tokens.holderId, holderId), or(isNull(oauth2Tokens.refreshClaimedUntil), lt(oauth2Tokens.refreshClaimedUntil, sql`now()`))))
    .returning();
  return row ?? null;
}

/**
 * Sends the refresh under a claim. The provider may have revoked the old refresh token the moment it
 * answered, so the answer is stored (committed, one statement) before anything else happens with it.
 */
async function refreshClaimed(use: TokenUse, row: OAuth2TokenRow, stored: { accessToken: string | null; refreshToken: string | null }, fingerprint: string) {
  const decision = refreshDecision(
    stateOf({ ...row, refreshClaimedUntil: null }),
    new Date(),
    stored.accessToken === use.rejectedToken,
    fingerprint,
    use.skewMs,
  );
  if (decision.action !== 'refresh') {
    await releaseClaim(use.db, row.holderId);
    if (decision.action === 'use') return stored.accessToken!;
    if (decision.action === 'refuse') throw unavailable(use, decision.kind, decision.reason);
  }
  const owner = { orgId: row.orgId, customerId: row.customerId };
  const requestedScopes = (use.inputs.scopes ?? '').split(' ').filter(Boolean);
  const client = { tokenUrl: use.inputs.tokenUrl ?? '', clientId: use.inputs.clientId ?? '', clientSecret: use.inputs.clientSecret ?? '' };
  let grant;
  try {
    grant = await refreshTokens(client, stored.refreshToken!, requestedScopes, use.settings);
  } catch (error) {
    const { status, detail } = await classifyRefreshFailure(error);
    await recordRefreshFailure(use.db, row, status, detail, fingerprint, use.settings);
    // A transient failure leaves a still-valid access token usable.
    const stillValid = row.expiresAt != null && row.expiresAt.getTime() > Date.now() && stored.accessToken !== use.rejectedToken;
    if (status === 'REFRESH_FAILING' && stillValid) return stored.accessToken!;
    throw unavailable(use, errorKindOf(status), `could not be refreshed (${status}): ${detail}`);
  }
  await storeGrant(use.db, use.vault, { kind: row.holderKind, holderId: row.holderId, owner }, grant);
  return grant.accessToken;
}

async function releaseClaim(db: Db, holderId: string) {
  await db.update(oauth2Tokens).set({ refreshClaimedUntil: null }).where(eq(oauth2Tokens.holderId, holderId));
}

/** Stores a failed refresh once, classified, with when to try again (transient) and against which inputs (misconfigured). */
async function recordRefreshFailure(
  db: Db,
  row: OAuth2TokenRow,
  status: Exclude<OAuth2AuthStatus, 'ACTIVE'>,
  detail: string,
  fingerprint: string,
  settings: RefreshSettings,
) {
  const failures = row.refreshFailures + 1;
  const retryInMs = refreshBackoffMs(failures, settings.backoffBaseMs, settings.backoffMaxMs);
  await db
    .update(oauth2Tokens)
    .set({
      authStatus: status,
      lastRefreshError: detail,
      refreshFailures: failures,
      refreshClaimedUntil: null,
      nextRefreshAt: status === 'REFRESH_FAILING' ? new Date(Date.now() + retryInMs) : null,
      failedClientFingerprint: status === 'MISCONFIGURED' ? fingerprint : null,
      updatedAt: new Date(),
    })
    .where(eq(oauth2Tokens.holderId, row.holderId));
}

const unavailable = (use: TokenUse, kind: StepErrorKind, reason: string) => new OAuth2TokenUnavailable(kind, `OAuth 2.0 credential ${use.holderId} ${reason}.`);

/**
 * The one classification of a refresh failure: the provider refused the grant (authorize again), refused
 * the client (fix the connection), or could not answer now (retry later).
 */
export async function classifyRefreshFailure(error: unknown): Promise<{ status: Exclude<OAuth2AuthStatus, 'ACTIVE'>; detail: string }> {
  if (error instanceof oauth.ResponseBodyError) {
    const detail = `${error.error}${error.error_description ? ` (${error.error_description.slice(0, 200)})` : ''}`;
    if (error.error === 'invalid_grant') return { status: 'NEEDS_REAUTHENTICATION', detail };
    if (error.error === 'invalid_client' || error.error === 'unauthorized_client') return { status: 'MISCONFIGURED', detail };
    return { status: error.status >= 500 || error.status === 429 ? 'REFRESH_FAILING' : 'MISCONFIGURED', detail };
  }
  // A 401 with a challenge (RFC 6749 §5.2: the client failed to authenticate); its body names the error.
  if (error instanceof oauth.WWWAuthenticateChallengeError) {
    const body = (await error.response.json().catch(() => null)) as { error?: unknown } | null;
    const code = typeof body?.error === 'string' ? body.error.slice(0, 100) : `HTTP ${error.status}`;
    return { status: error.status >= 500 || error.status === 429 ? 'REFRESH_FAILING' : 'MISCONFIGURED', detail: `${code} from the token endpoint` };
  }
  // Not an OAuth error body (a proxy's 502, a 404 from a wrong token URL): the HTTP status decides.
  if (error instanceof oauth.OperationProcessingError && error.cause instanceof Response) {
    const status = error.cause.status;
    return { status: status >= 500 || status === 429 ? 'REFRESH_FAILING' : 'MISCONFIGURED', detail: `HTTP ${status} from the token endpoint` };
  }
  if (error instanceof TypeError && /Invalid URL/i.test(error.message)) return { status: 'MISCONFIGURED', detail: 'invalid token URL' };
  return { status: 'REFRESH_FAILING', detail: (error as Error).message.slice(0, 200) };
}
