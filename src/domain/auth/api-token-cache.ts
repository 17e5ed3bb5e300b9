import type { Actor } from '../actor';

type Entry = { tokenId: string; actor: Actor; expiresAt: number };

/**
 * Who a token hash authenticates as, for a short time. Only trusted while revocations arrive (the listener
 * is up); a change notified while a lookup was in flight stops that lookup's answer from being remembered.
 */
export class ApiTokenCache {
  #entries = new Map<string, Entry>();
  #trusted = false;
  /** Bumped by every forget; a lookup started before a bump may be stale. */
  #generation = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  get generation() {
    return this.#generation;
  }

  get(hash: string, now = Date.now()): Entry | null {
    if (!this.#trusted) return null;
    const entry = this.#entries.get(hash);
    if (entry && entry.expiresAt > now) return entry;
    if (entry) this.#entries.delete(hash);
    return null;
  }

  remember(hash: string, tokenId: string, actor: Actor, lookupGeneration: number, now = Date.now()) {
    if (!this.#trusted || lookupGeneration !== this.#generation) return;
    // Oldest first out: a flood of distinct valid tokens cannot grow memory without bound.
    if (this.#entries.size >= this.maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
    this.#entries.set(hash, { tokenId, actor, expiresAt: now + this.ttlMs });
  }

  /** A notification: `token:<id>` (revoked or deleted) or `user:<id>` (role, customer or the user changed). */
  forget(change: string) {
    this.#generation++;
    const [kind, id] = change.split(':');
    for (const [hash, entry] of this.#entries) {
      if ((kind === 'token' && entry.tokenId === id) || (kind === 'user' && entry.actor.userId === id)) this.#entries.delete(hash);
    }
  }

  trust() {
    this.#generation++;
    this.#entries.clear();
    this.#trusted = true;
  }

  distrust() {
    this.#generation++;
    this.#entries.clear();
    this.#trusted = false;
  }
}
