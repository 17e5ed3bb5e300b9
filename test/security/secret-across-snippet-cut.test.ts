import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outgoingHttp } from '../../src/execution/http/outgoing-http';
import { KnownSecrets } from '../../src/execution/secrets/known-secrets';
import { callConnector } from '../../src/execution/steps/call-connector';

/*
 * Finding 4, at the edge: a step's error shows the first 200 characters of the upstream's error body. An
 * upstream that echoes the key just before that cut would leave the key's first characters in the error
 * if redaction ran on the cut text; it runs before the cut.
 */

const SECRET = 'sk_live_0123456789abcdef0123456789';
let server: http.Server;
let url: string;

beforeAll(async () => {
  server = http.createServer((request, response) => {
    // The key starts 10 characters before the snippet's end, so a cut-then-redact would show "sk_live_01".
    response.writeHead(401, { 'content-type': 'text/plain' });
    response.end(`${'.'.repeat(174)}invalid api key ${SECRET} for this account`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/account`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('an upstream error echoing the key across the snippet cut', () => {
  it('leaves no part of the key in the step error', async () => {
    const client = outgoingHttp({ egressAllow: ['127.0.0.1'], maxResponseBytes: 1024 * 1024 });
    const secrets = new KnownSecrets();
    secrets.add(SECRET);
    try {
      const request = { method: 'GET', url, displayUrl: url, headers: { 'x-api-key': SECRET }, body: undefined, credentialMaterial: [] };
      const result = await callConnector(client, request, {
        idempotencyKey: 'k',
        timeoutMs: 2_000,
        maxAttempts: 1,
        retryBaseMs: 1,
        redact: (text) => secrets.text(text),
      });
      expect(result.ok).toBe(false);
      const error = (result as { error: string }).error;
      expect(error).toMatch(/^HTTP 401 from GET http:\/\/127\.0\.0\.1:\d+\/account: \.+invalid api key \[/);
      expect(error).not.toContain(SECRET.slice(0, 6));
    } finally {
      await client.close();
    }
  });
});
