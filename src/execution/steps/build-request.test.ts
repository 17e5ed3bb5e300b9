import { describe, expect, it } from 'vitest';
import { redactedUrl } from './build-request';

describe('redactedUrl, the URL errors show', () => {
  it('drops user info and the query string', () => {
    expect(redactedUrl('https://user:pa55word@api.example.com/v1/things?api_key=k3y#frag')).toBe('https://api.example.com/v1/things');
  });

  it('replaces every path segment that contains a secret, encoded or not', () => {
    const token = '123456:AAF-tok/en';
    const url = `https://api.telegram.example/bot${encodeURIComponent(token)}/sendMessage`;
    expect(redactedUrl(url, [token])).toBe('https://api.telegram.example/[redacted]/sendMessage');
    expect(redactedUrl('https://x.example/a/bot-secret-value/b', ['secret-value'])).toBe('https://x.example/a/[redacted]/b');
  });

  it('keeps segments when the secret is too short to look for, and says so for a URL it cannot read', () => {
    expect(redactedUrl('https://x.example/ab/c', ['ab'])).toBe('https://x.example/ab/c');
    expect(redactedUrl('not a url')).toBe('(invalid URL)');
  });
});
