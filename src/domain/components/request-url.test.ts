import { expect, it } from 'vitest';
import { resolveRequestUrl } from './request-url';

it('joins relative URLs onto the base URL without dropping its path', () => {
  expect(resolveRequestUrl('/tickets.json', 'https://acme.zendesk.com/api/v2/')).toBe('https://acme.zendesk.com/api/v2/tickets.json');
  expect(resolveRequestUrl('records?a=1', 'https://api.acme.example')).toBe('https://api.acme.example/records?a=1');
  expect(resolveRequestUrl('', 'https://api.acme.example/v1')).toBe('https://api.acme.example/v1');
  expect(resolveRequestUrl('HTTPS://other.example/x', 'https://api.acme.example')).toBe('https://other.example/x');
});

it('refuses a relative URL without a base, and non-http(s) results', () => {
  expect(() => resolveRequestUrl('/account', undefined)).toThrow('relative URL "/account" needs a connection baseUrl');
  expect(() => resolveRequestUrl('/account', 'file:///etc')).toThrow('"file:///etc/account" is not an http(s) URL');
  expect(() => resolveRequestUrl('x', 'not a url')).toThrow('"not a url/x" is not a valid URL');
});
