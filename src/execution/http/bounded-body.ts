/** An upstream body longer than the run's budget (RUN_MAX_RESPONSE_BYTES). */
export class ResponseTooLarge extends Error {
  constructor(readonly limitBytes: number) {
    super(`The response is larger than the limit of ${limitBytes} bytes (RUN_MAX_RESPONSE_BYTES).`);
    this.name = 'ResponseTooLarge';
  }
}

// Any fetch's Response (undici's or the global one): their stream types differ only in name.
type ByteReader = { read(): Promise<{ done: boolean; value?: Uint8Array }>; cancel(): Promise<void>; releaseLock(): void };
type BodySource = { body: { getReader(): ByteReader; cancel(): Promise<void> } | null; headers: { get(name: string): string | null } };

/** The whole body, read as a stream and abandoned as soon as it passes `limitBytes`. */
export async function readBodyWithin(response: BodySource, limitBytes: number): Promise<Uint8Array<ArrayBuffer>> {
  const declared = Number(response.headers.get('content-length'));
  if (declared > limitBytes) {
    await response.body?.cancel().catch(() => {});
    throw new ResponseTooLarge(limitBytes);
  }
  return readUpTo(response, limitBytes, () => {
    throw new ResponseTooLarge(limitBytes);
  });
}

/** At most the first `maxBytes` of the body (the rest is never read): enough for an error snippet. */
export async function readBodyPrefix(response: BodySource, maxBytes: number): Promise<Uint8Array<ArrayBuffer>> {
  return readUpTo(response, maxBytes, (bytes) => bytes.subarray(0, maxBytes));
}

async function readUpTo(
  response: BodySource,
  limitBytes: number,
  onOver: (bytes: Uint8Array<ArrayBuffer>) => Uint8Array<ArrayBuffer>,
): Promise<Uint8Array<ArrayBuffer>> {
  if (!response.body) return new Uint8Array();
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done || !value) return concat(chunks, length);
      chunks.push(value);
      length += value.byteLength;
      if (length > limitBytes) {
        await reader.cancel().catch(() => {});
        return onOver(concat(chunks, length));
      }
    }
  } finally {
    reader.releaseLock();
  }
}

function concat(chunks: Uint8Array[], length: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}
