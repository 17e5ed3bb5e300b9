/** The body, or `tooLarge` as soon as more than `limit` bytes arrived (the rest is never read). */
export type LimitedBody = { tooLarge: false; bytes: Buffer } | { tooLarge: true };

/**
 * Reads a request body chunk by chunk and stops at the limit, so an oversized upload costs at most the
 * limit plus one chunk of memory and time. A declared Content-Length over the limit is refused unread.
 */
export async function readLimitedBody(request: Request, limit: number): Promise<LimitedBody> {
  const declared = Number(request.headers.get('content-length') ?? 0);
  if (declared > limit) return { tooLarge: true };
  if (!request.body) return { tooLarge: false, bytes: Buffer.alloc(0) };
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      return { tooLarge: true };
    }
    chunks.push(value);
  }
  return { tooLarge: false, bytes: Buffer.concat(chunks, size) };
}
