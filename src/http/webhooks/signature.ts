import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * `X-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`, as Stripe signs its webhooks:
 * the timestamp inside the signed text lets a stale copy be refused, and each accepted signature is
 * remembered for the window (see recordSignatureUse) so a fresh copy cannot be replayed either.
 */
export const SIGNATURE_HEADER = 'x-signature';

export type SignatureCheck = { ok: true; signature: string } | { ok: false; message: string };

const FORMAT = 't=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">';

export function checkSignature(header: string | null, body: Buffer, secret: string, nowSeconds: number, toleranceSeconds: number): SignatureCheck {
  if (!header) return { ok: false, message: `This webhook requires a signed call: send X-Signature: ${FORMAT}.` };
  const parts = new Map<string, string[]>();
  for (const part of header.split(',')) {
    const [key, ...rest] = part.trim().split('=');
    if (key && rest.length > 0) parts.set(key, [...(parts.get(key) ?? []), rest.join('=')]);
  }
  const timestamp = parts.get('t')?.[0];
  const candidates = (parts.get('v1') ?? []).filter((value) => /^[0-9a-f]{64}$/i.test(value));
  if (!timestamp || !/^\d{1,12}$/.test(timestamp) || candidates.length === 0) {
    return { ok: false, message: `The X-Signature header is malformed: expected ${FORMAT}.` };
  }
  if (Math.abs(nowSeconds - Number(timestamp)) > toleranceSeconds) {
    return {
      ok: false,
      message: `The X-Signature timestamp is more than ${toleranceSeconds} seconds from the server's clock: sign each call when sending it.`,
    };
  }
  const expected = createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest();
  const match = candidates.find((candidate) => timingSafeEqual(Buffer.from(candidate, 'hex'), expected));
  if (!match) return { ok: false, message: 'The X-Signature does not match the body and the secret of this webhook.' };
  return { ok: true, signature: match.toLowerCase() };
}
