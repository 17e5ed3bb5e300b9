import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness';
import { seedOrg } from '../support/seed';
import { appWithWebhookSettings, deployReceivers } from './webhooks-setup';

const LIMIT = 1024 * 1024;
const UPLOAD = 200 * 1024 * 1024;
const CHUNK = 64 * 1024;

let h: Harness;
let server: http.Server;
let port: number;
let path: string;
/** Bytes the server's sockets received, per connection: what an upload really cost the server. */
let received = 0;

beforeAll(async () => {
  h = createHarness();
  const org = await seedOrg(h.database.db);
  path = (await deployReceivers(h, org)).paths[0]!;
  server = http.createServer(appWithWebhookSettings(h, { maxBodyBytes: LIMIT }));
  server.on('connection', (socket) => socket.on('data', (chunk: Buffer) => (received += chunk.length)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await h.close();
});

/** Streams up to 200 MB (chunked, no Content-Length) and stops writing as soon as the server answers. */
function upload(target: string, headers: Record<string, string> = {}) {
  received = 0;
  return new Promise<{ status: number; sent: number; body: string }>((resolve, reject) => {
    const request = http.request({
      host: '127.0.0.1',
      port,
      path: target,
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', ...headers },
    });
    const chunk = Buffer.alloc(CHUNK, 'x');
    let sent = 0;
    let answered = false;
    request.on('response', (response) => {
      answered = true;
      let body = '';
      response.on('data', (part) => (body += part));
      response.on('end', () => resolve({ status: response.statusCode!, sent, body }));
    });
    request.on('error', (error) => (answered ? undefined : reject(error)));
    const write = () => {
      while (!answered && sent < UPLOAD) {
        sent += chunk.length;
        if (!request.write(chunk)) return void request.once('drain', write);
      }
      if (!answered) request.end();
    };
    write();
  });
}

describe('a 200 MB webhook body', () => {
  it('to a valid token is refused with 413 after at most the limit (plus what was in flight) was read', async () => {
    const result = await upload(path);
    expect(result.status).toBe(413);
    expect(JSON.parse(result.body)).toEqual({ error: `The body exceeds ${LIMIT} bytes.` });
    expect(result.sent).toBeLessThan(UPLOAD);
    expect(received).toBeLessThan(LIMIT + 4 * CHUNK + 64 * 1024);
  });

  it('to a made-up token is answered 404 without reading the body', async () => {
    const result = await upload('/webhooks/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    expect(result.status).toBe(404);
    expect(result.sent).toBeLessThan(UPLOAD);
    expect(received).toBeLessThan(LIMIT);
  });

  it('declared by Content-Length is refused before any byte of it is read', async () => {
    const result = await upload(path, { 'content-length': String(UPLOAD) });
    expect(result.status).toBe(413);
    expect(received).toBeLessThan(LIMIT);
  });
});
