import { describe, expect, it } from 'vitest';
import { KnownSecrets } from './known-secrets';
import { basicToken, REDACTED, redactText, redactValue, secretForms, secretMatcher } from './redact';

const SECRET = 'sk_live/4+2=six ü"';

describe('redaction of known secrets', () => {
  it('replaces the secret and its URL-encoded, form-encoded, JSON-escaped, base64 and base64url forms', () => {
    const forms = secretForms(SECRET);
    const encodings = [
      SECRET,
      encodeURIComponent(SECRET),
      new URLSearchParams({ k: SECRET }).toString().slice(2),
      JSON.stringify(SECRET).slice(1, -1),
      Buffer.from(SECRET).toString('base64'),
      Buffer.from(SECRET).toString('base64url'),
    ];
    for (const encoded of encodings) {
      expect(redactText(`before ${encoded} after`, secretMatcher(forms))).toBe(`before ${REDACTED} after`);
    }
  });

  it('redacts inside JSON values, keys included, and keeps numbers, booleans and null', () => {
    const output = { error: `invalid api key ${SECRET}`, [SECRET]: [1, true, null, { echo: SECRET }] };
    expect(redactValue(output, secretMatcher(secretForms(SECRET)))).toEqual({
      error: `invalid api key ${REDACTED}`,
      [REDACTED]: [1, true, null, { echo: REDACTED }],
    });
  });

  it('redacts a JSON document that carries the secret JSON-escaped', () => {
    const text = JSON.stringify({ echoed: SECRET });
    expect(redactText(text, secretMatcher(secretForms(SECRET)))).toBe(`{"echoed":"${REDACTED}"}`);
  });

  it('ignores values shorter than 4 characters, which would destroy output', () => {
    expect(secretForms('abc')).toEqual([]);
    const secrets = new KnownSecrets();
    secrets.add('abc');
    expect(secrets.text('abc abc')).toBe('abc abc');
  });

  it('redacts the Basic token built from user name and password, and tokens added later', () => {
    const secrets = new KnownSecrets();
    secrets.addBasic('ops@vendor.example', 'hunter2hunter2');
    secrets.add('access-token-123');
    const header = `Basic ${basicToken('ops@vendor.example', 'hunter2hunter2')}`;
    expect(secrets.text(`${header} then access-token-123`)).toBe(`Basic ${REDACTED} then ${REDACTED}`);
  });

  it('leaves text without secrets unchanged, and a value as is when nothing is known', () => {
    const value = { a: 'plain' };
    expect(new KnownSecrets().value(value)).toBe(value);
    expect(redactText('plain text', secretMatcher(secretForms(SECRET)))).toBe('plain text');
  });
});
