import type { OAuth2AuthStatus, StepErrorKind } from '../../db/tables';

/** A token expiring within this is refreshed before use, so it does not expire between read and use. */
export const REFRESH_SKEW_MS = 60_000;

export type TokenState = {
  authStatus: OAuth2AuthStatus;
  expiresAt: Date | null;
  hasRefreshToken: boolean;
  refreshClaimedUntil: Date | null;
  nextRefreshAt: Date | null;
  failedClientFingerprint: string | null;
  lastRefreshError: string | null;
};

export type RefreshDecision =
  | { action: 'use' }
  | { action: 'refresh' }
  /** Another process holds the refresh claim: wait for what it stores. */
  | { action: 'wait' }
  | { action: 'refuse'; kind: StepErrorKind; reason: string };

/**
 * What to do with a stored credential at `now`: use its access token, refresh it, wait for another
 * process's refresh, or refuse. `rejected`: the provider just refused this access token (a 401).
 * `clientFingerprint`: the connection's current client inputs; a MISCONFIGURED credential tries again
 * only when they changed. `skewMs`: how close to expiry a token is refreshed (wider for proactive refresh).
 */
export function refreshDecision(state: TokenState, now: Date, rejected: boolean, clientFingerprint: string, skewMs = REFRESH_SKEW_MS): RefreshDecision {
  const expiresIn = state.expiresAt == null ? Infinity : state.expiresAt.getTime() - now.getTime();
  if (!rejected && expiresIn > skewMs) return { action: 'use' };
  const stillValid = !rejected && expiresIn > 0;
  if (state.authStatus === 'NEEDS_REAUTHENTICATION') {
    return {
      action: 'refuse',
      kind: 'AUTH_NEEDS_REAUTHENTICATION',
      reason: `needs a new OAuth 2.0 authorization: ${state.lastRefreshError ?? 'refresh refused'}`,
    };
  }
  if (state.authStatus === 'MISCONFIGURED' && state.failedClientFingerprint === clientFingerprint) {
    return {
      action: 'refuse',
      kind: 'AUTH_MISCONFIGURED',
      reason: `cannot be refreshed until its connection is fixed: ${state.lastRefreshError ?? 'token request refused'}`,
    };
  }
  if (!state.hasRefreshToken) {
    return stillValid
      ? { action: 'use' }
      : { action: 'refuse', kind: 'AUTH_NEEDS_REAUTHENTICATION', reason: 'has an expired access token and no refresh token; authorize it again' };
  }
  if (state.refreshClaimedUntil && state.refreshClaimedUntil > now) return { action: 'wait' };
  if (state.authStatus === 'REFRESH_FAILING' && state.nextRefreshAt && state.nextRefreshAt > now) {
    // Backing off: the still-valid token serves meanwhile, so a flaky provider does not fail every run.
    if (stillValid) return { action: 'use' };
    const at = state.nextRefreshAt.toISOString();
    return {
      action: 'refuse',
      kind: 'AUTH_TRANSIENT',
      reason: `could not be refreshed (${state.lastRefreshError ?? 'token endpoint unavailable'}); next attempt after ${at}`,
    };
  }
  return { action: 'refresh' };
}

/** Delay before the next refresh attempt after `failures` transient failures in a row: doubling, capped. */
export function refreshBackoffMs(failures: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, Math.min(failures - 1, 30)));
}

/** The step error kind of a refresh failure stored as `status`. */
export function errorKindOf(status: Exclude<OAuth2AuthStatus, 'ACTIVE'>): StepErrorKind {
  return status === 'NEEDS_REAUTHENTICATION' ? 'AUTH_NEEDS_REAUTHENTICATION' : status === 'MISCONFIGURED' ? 'AUTH_MISCONFIGURED' : 'AUTH_TRANSIENT';
}
