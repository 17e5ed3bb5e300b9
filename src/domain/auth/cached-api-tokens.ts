import type { Database } from '../../db/client';
import { listen } from '../../db/listen';
import { describeError } from '../../lib/describe-error';
import type { Logger } from '../../log';
import type { Actor } from '../actor';
import { ApiTokenCache } from './api-token-cache';
import { hashToken, lookupApiToken, touchApiTokens } from './api-tokens';

/** The channel the api_tokens and users triggers notify (migration 0011): `token:<id>` or `user:<id>`. */
export const API_TOKEN_CHANGES_CHANNEL = 'tenantflow_api_token_changes';

/** How often the "last used" times gathered in memory are written, in one statement. */
const LAST_USED_FLUSH_MS = 15_000;

export type CachedApiTokens = { authenticate: (token: string) => Promise<Actor | null>; stop: () => Promise<void> };

/**
 * API token authentication without SQL on the hot path: a token seen in the last `ttlMs` authenticates from
 * memory. A revoked token (or a changed user) stops working in every process as soon as the trigger's
 * NOTIFY arrives; while this process's LISTEN connection is down nothing is cached, and `ttlMs` bounds a
 * connection lost without an error yet.
 */
export function startCachedApiTokens(database: Database, opts: { ttlMs: number; log: Logger }): CachedApiTokens {
  const cache = new ApiTokenCache(opts.ttlMs);
  const used = new Set<string>();
  const listener = listen(database, API_TOKEN_CHANGES_CHANNEL, {
    onMessage: (change) => cache.forget(change),
    onUp: () => cache.trust(),
    onDown: (error) => {
      cache.distrust();
      opts.log.warn({ err: describeError(error) }, 'API token cache lost its LISTEN connection; tokens are checked in the database until it is back');
    },
  });

  const flush = async () => {
    const ids = [...used];
    used.clear();
    await touchApiTokens(database.db, ids).catch(() => {});
  };
  const flusher = setInterval(() => void flush(), LAST_USED_FLUSH_MS);
  flusher.unref();

  return {
    authenticate: async (token) => {
      const hash = hashToken(token);
      const cached = cache.get(hash);
      if (cached) {
        used.add(cached.tokenId);
        return cached.actor;
      }
      const generation = cache.generation;
      const found = await lookupApiToken(database.db, hash);
      if (!found) return null;
      cache.remember(hash, found.tokenId, found.actor, generation);
      used.add(found.tokenId);
      return found.actor;
    },
    stop: async () => {
      clearInterval(flusher);
      await listener.stop();
      await flush();
    },
  };
}
