import { and, asc, inArray, isNotNull, isNull, lt, or, sql } from 'drizzle-orm';
import { oauth2Tokens } from '../../db/tables';
import { systemActor } from '../../domain/actor';
import { hostAllowed } from '../../domain/components';
import { holderTarget, loadHolder, openClientInputs } from '../../domain/oauth2/holders';
import { describeError } from '../../lib/describe-error';
import type { EngineDeps } from '../engine/run-flow';
import { authorizationCodeToken } from './oauth2-authorization-code';

/**
 * The worker's background refresh: tokens expiring within OAUTH2_PROACTIVE_REFRESH_WINDOW_MS are refreshed
 * here, a bounded batch per tick, soonest first, so that runs (a busy morning of them) find fresh tokens.
 * Each goes through the same claim as a step's refresh, so a run and this never both ask. Credentials
 * that need a person (NEEDS_REAUTHENTICATION, MISCONFIGURED) or are backing off are left alone.
 * Returns how many it refreshed.
 */
export async function refreshExpiringTokens(deps: EngineDeps): Promise<number> {
  const { proactiveWindowMs, proactiveBatch, backoffBaseMs, backoffMaxMs } = deps.config.oauth2;
  if (proactiveWindowMs <= 0) return 0;
  const due = await deps.db
    .select({ holderId: oauth2Tokens.holderId, holderKind: oauth2Tokens.holderKind, orgId: oauth2Tokens.orgId })
    .from(oauth2Tokens)
    .where(
      and(
        lt(oauth2Tokens.expiresAt, sql`now() + ${`${proactiveWindowMs} milliseconds`}::interval`),
        isNotNull(oauth2Tokens.refreshToken),
        inArray(oauth2Tokens.authStatus, ['ACTIVE', 'REFRESH_FAILING']),
        or(isNull(oauth2Tokens.nextRefreshAt), lt(oauth2Tokens.nextRefreshAt, sql`now()`)),
        or(isNull(oauth2Tokens.refreshClaimedUntil), lt(oauth2Tokens.refreshClaimedUntil, sql`now()`)),
      ),
    )
    .orderBy(asc(oauth2Tokens.expiresAt))
    .limit(proactiveBatch);
  let refreshed = 0;
  for (const token of due) {
    try {
      const holder = await loadHolder(deps.db, systemActor(token.orgId), holderTarget(token.holderKind, token.holderId));
      const client = await openClientInputs(deps.db, deps.vault, holder);
      // The same destination rule as a step's refresh: a token URL outside the connection's hosts is not asked.
      const hosts = holder.connection.definition.destination.hosts;
      if (hosts.length > 0 && !hostAllowed(hostOf(client.tokenUrl), hosts)) continue;
      await authorizationCodeToken({
        db: deps.db,
        vault: deps.vault,
        orgId: token.orgId,
        holderId: token.holderId,
        inputs: client.inputs,
        settings: { timeoutMs: deps.config.stepTimeoutMs, http: deps.http, backoffBaseMs, backoffMaxMs },
        skewMs: proactiveWindowMs,
      });
      refreshed += 1;
    } catch (error) {
      // Already classified and stored on the credential; the message names it and never a token.
      deps.log.warn({ holderId: token.holderId, err: describeError(error) }, 'proactive OAuth 2.0 refresh failed');
    }
  }
  return refreshed;
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return '';
  }
}
