import { describe, expect, it } from 'vitest';
import { errorKindOf, refreshBackoffMs, refreshDecision, REFRESH_SKEW_MS, type TokenState } from './oauth2-refresh-decision';

const now = new Date('2026-12-02T12:00:00Z');
const at = (ms: number) => new Date(now.getTime() + ms);
const state = (over: Partial<TokenState> = {}): TokenState => ({
  authStatus: 'ACTIVE',
  expiresAt: at(3_600_000),
  hasRefreshToken: true,
  refreshClaimedUntil: null,
  nextRefreshAt: null,
  failedClientFingerprint: null,
  lastRefreshError: null,
  ...over,
});

describe('refreshDecision', () => {
  it('uses a token outside the skew, refreshes one inside it or rejected', () => {
    expect(refreshDecision(state(), now, false, 'fp')).toEqual({ action: 'use' });
    expect(refreshDecision(state({ expiresAt: null }), now, false, 'fp')).toEqual({ action: 'use' });
    expect(refreshDecision(state({ expiresAt: at(REFRESH_SKEW_MS - 1) }), now, false, 'fp')).toEqual({ action: 'refresh' });
    expect(refreshDecision(state(), now, true, 'fp')).toEqual({ action: 'refresh' });
    // The proactive refresh widens the skew.
    expect(refreshDecision(state({ expiresAt: at(120_000) }), now, false, 'fp', 300_000)).toEqual({ action: 'refresh' });
  });

  it('waits for a live claim and ignores a lapsed one', () => {
    expect(refreshDecision(state({ expiresAt: at(-1), refreshClaimedUntil: at(1_000) }), now, false, 'fp')).toEqual({ action: 'wait' });
    expect(refreshDecision(state({ expiresAt: at(-1), refreshClaimedUntil: at(-1) }), now, false, 'fp')).toEqual({ action: 'refresh' });
  });

  it('backs off while REFRESH_FAILING: a live token serves, an expired one is refused as transient', () => {
    const failing = { authStatus: 'REFRESH_FAILING' as const, nextRefreshAt: at(10_000), lastRefreshError: 'HTTP 500' };
    expect(refreshDecision(state({ ...failing, expiresAt: at(30_000) }), now, false, 'fp')).toEqual({ action: 'use' });
    expect(refreshDecision(state({ ...failing, expiresAt: at(-1) }), now, false, 'fp')).toMatchObject({ action: 'refuse', kind: 'AUTH_TRANSIENT' });
    expect(refreshDecision(state({ ...failing, expiresAt: at(-1), nextRefreshAt: at(-1) }), now, false, 'fp')).toEqual({ action: 'refresh' });
  });

  it('refuses NEEDS_REAUTHENTICATION always, MISCONFIGURED until the client inputs change', () => {
    expect(refreshDecision(state({ authStatus: 'NEEDS_REAUTHENTICATION', expiresAt: at(-1) }), now, false, 'fp')).toMatchObject({
      action: 'refuse',
      kind: 'AUTH_NEEDS_REAUTHENTICATION',
    });
    const misconfigured = state({ authStatus: 'MISCONFIGURED', failedClientFingerprint: 'fp', expiresAt: at(-1) });
    expect(refreshDecision(misconfigured, now, false, 'fp')).toMatchObject({ action: 'refuse', kind: 'AUTH_MISCONFIGURED' });
    expect(refreshDecision(misconfigured, now, false, 'other')).toEqual({ action: 'refresh' });
  });

  it('without a refresh token: uses a live token, refuses an expired one', () => {
    expect(refreshDecision(state({ hasRefreshToken: false, expiresAt: at(30_000) }), now, false, 'fp')).toEqual({ action: 'use' });
    expect(refreshDecision(state({ hasRefreshToken: false, expiresAt: at(-1) }), now, false, 'fp')).toMatchObject({ kind: 'AUTH_NEEDS_REAUTHENTICATION' });
  });
});

describe('refreshBackoffMs and errorKindOf', () => {
  it('doubles from the base and stops at the cap', () => {
    expect([1, 2, 3, 4, 40].map((n) => refreshBackoffMs(n, 1_000, 5_000))).toEqual([1_000, 2_000, 4_000, 5_000, 5_000]);
  });
  it('maps each stored failure to its step error kind', () => {
    expect(errorKindOf('NEEDS_REAUTHENTICATION')).toBe('AUTH_NEEDS_REAUTHENTICATION');
    expect(errorKindOf('MISCONFIGURED')).toBe('AUTH_MISCONFIGURED');
    expect(errorKindOf('REFRESH_FAILING')).toBe('AUTH_TRANSIENT');
  });
});
