/*
 * Known-secret redaction: the values of the credentials a run used are replaced wherever they appear in
 * what the run stores or returns, because an upstream API may echo them ("invalid api key sk_…") in a body,
 * an error or a URL. Pure functions; the run keeps its set in KnownSecrets (known-secrets.ts).
 */

export const REDACTED = '[redacted]';

/**
 * Values shorter than this are not redacted: replacing every "a" or "42" in an output would destroy it,
 * and such a value is no secret worth the name.
 */
export const MIN_SECRET_LENGTH = 4;

/** The forms a secret takes in text: as is, URL-encoded (both ways), JSON-escaped, base64 and base64url. */
export function secretForms(secret: string): string[] {
  if (secret.length < MIN_SECRET_LENGTH) return [];
  const base64 = Buffer.from(secret, 'utf8').toString('base64');
  const forms = [
    secret,
    encodeURIComponent(secret),
    new URLSearchParams({ s: secret }).toString().slice(2),
    JSON.stringify(secret).slice(1, -1),
    base64,
    base64.replace(/=+$/, ''),
    Buffer.from(secret, 'utf8').toString('base64url'),
  ];
  return [...new Set(forms)].filter((form) => form.length >= MIN_SECRET_LENGTH);
}

/** The Basic authorization token (RFC 7617) built from a user name and password, as a whole. */
export function basicToken(username: string, password: string): string {
  return Buffer.from(`${username}:${password}`, 'utf8').toString('base64');
}

/** Every form of a set of secrets as one pattern, built once per set and applied in one pass per text. */
export type SecretMatcher = RegExp;

/** Longer forms first, so a form containing another is replaced whole. */
export function secretMatcher(forms: Iterable<string>): SecretMatcher | null {
  const sorted = [...forms].sort((a, b) => b.length - a.length);
  if (sorted.length === 0) return null;
  return new RegExp(sorted.map((form) => form.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
}

export function redactText(text: string, matcher: SecretMatcher | null): string {
  return matcher ? text.replace(matcher, REDACTED) : text;
}

/** Redacts every string (and object key) in a JSON-like value; other values are kept as they are. */
export function redactValue<T>(value: T, matcher: SecretMatcher | null): T {
  if (!matcher) return value;
  return walk(value, matcher) as T;
}

function walk(value: unknown, matcher: SecretMatcher): unknown {
  if (typeof value === 'string') return redactText(value, matcher);
  if (Array.isArray(value)) return value.map((item) => walk(item, matcher));
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [redactText(key, matcher), walk(item, matcher)]));
  }
  return value;
}
