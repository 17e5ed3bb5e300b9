import { createHash } from 'node:crypto';

/**
 * yoga's parse and parse-error caches, bounded by bytes: the query text of every distinct request would
 * otherwise stay in memory (a parsed document keeps its source), and anyone can send distinct texts.
 * Keys are hashes of the text, documents over `maxDocumentBytes` are not cached at all (real clients send
 * the same few small documents; a huge one is more likely an attack than a hot query), and the least
 * recently used entries leave once the cached texts exceed `maxTotalBytes`.
 */
export class DocumentCache<T> {
  private readonly entries = new Map<string, { value: T; bytes: number }>();
  private totalBytes = 0;

  constructor(private readonly limits: { maxDocumentBytes: number; maxTotalBytes: number }) {}

  get(document: string): T | undefined {
    if (document.length > this.limits.maxDocumentBytes) return undefined;
    const key = hashOf(document);
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    // Re-inserting moves the entry to the end: Map iteration order is the eviction order.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  set(document: string, value: T): void {
    const bytes = Buffer.byteLength(document);
    if (bytes > this.limits.maxDocumentBytes) return;
    const key = hashOf(document);
    const previous = this.entries.get(key);
    if (previous) {
      this.totalBytes -= previous.bytes;
      this.entries.delete(key);
    }
    this.entries.set(key, { value, bytes });
    this.totalBytes += bytes;
    for (const [oldest, entry] of this.entries) {
      if (this.totalBytes <= this.limits.maxTotalBytes) break;
      this.entries.delete(oldest);
      this.totalBytes -= entry.bytes;
    }
  }

  /** The bytes of query text held, for tests and metrics. */
  get size() {
    return { entries: this.entries.size, bytes: this.totalBytes };
  }
}

const hashOf = (document: string) => createHash('sha256').update(document).digest('base64url');
