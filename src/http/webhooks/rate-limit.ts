/**
 * Token buckets in this process's memory: each key may burst up to a minute's allowance, then gets
 * `perMinute` calls a minute. With several API processes the effective limit is this times their number;
 * that is accepted here because the limit exists to stop floods, not to meter exactly.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds until one call with this key would pass; 0 when it passes now. */
  waitSeconds(key: string): number {
    const tokens = this.refilled(key);
    return tokens >= 1 ? 0 : Math.max(1, Math.ceil(((1 - tokens) * 60) / this.perMinute));
  }

  take(key: string) {
    this.buckets.set(key, { tokens: this.refilled(key) - 1, at: this.now() });
    if (this.buckets.size > 10_000) this.forgetFull();
  }

  private refilled(key: string): number {
    const bucket = this.buckets.get(key);
    if (!bucket) return this.perMinute;
    return Math.min(this.perMinute, bucket.tokens + ((this.now() - bucket.at) / 60_000) * this.perMinute);
  }

  // A full bucket is the same as no bucket: dropping those keeps memory bounded by recent callers.
  private forgetFull() {
    for (const key of [...this.buckets.keys()]) if (this.refilled(key) >= this.perMinute) this.buckets.delete(key);
  }
}
