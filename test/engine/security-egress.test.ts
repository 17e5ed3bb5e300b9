/**
 * Findings 6 and 7 (response size) through a real worker: a flow's request to the server's own loopback is
 * refused by the default policy before any connection, and an upstream body over RUN_MAX_RESPONSE_BYTES
 * fails the step after reading about the limit, storing no output. Only 127.0.0.1 receives traffic.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EGRESS_REFUSED_MESSAGE } from '../../src/execution/http/egress-policy';
import { encodeGlobalId } from '../../src/lib/global-id';
import { createHarness, type Harness } from '../support/harness';
import { awaitEnd, deployInstance, importAndPublish, postWebhook } from '../support/integrations';
import { seedCustomer, seedOrg, type SeededOrg } from '../support/seed';
import { startTestWorker } from '../support/worker';

const DEFINITION = `
name: Fetch a URL
stableKey: security-egress-fetch
flows:
  - name: Fetch
    stableKey: fetch
    trigger: { type: webhook }
    steps:
      - name: Get it
        action: { component: http, key: http-request }
        inputs:
          method: GET
          url: "{{ trigger.body.url }}"
`;

const BIG_BODY_BYTES = 50 * 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, 'a');

/**
 * On 127.0.0.1: counts TCP connections; /big (200) and /big-error (422) stream a 50 MB body chunk by chunk,
 * as fast as the reader pulls, and record how far they got.
 */
type StreamingFake = { url: string; connections: number; bigBytesWritten: number; bigFinished: boolean; close: () => Promise<void> };

async function startStreamingFake(): Promise<StreamingFake> {
  const server = http.createServer((req, res) => {
    if (req.url !== '/big' && req.url !== '/big-error') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"reached":true}');
      return;
    }
    fake.bigBytesWritten = 0;
    fake.bigFinished = false;
    res.writeHead(req.url === '/big' ? 200 : 422, { 'content-type': 'application/json' });
    const writeMore = () => {
      while (fake.bigBytesWritten < BIG_BODY_BYTES && !res.destroyed) {
        fake.bigBytesWritten += CHUNK.length;
        if (!res.write(CHUNK)) return void res.once('drain', writeMore);
      }
      if (!res.destroyed) {
        fake.bigFinished = true;
        res.end();
      }
    };
    writeMore();
  });
  server.on('connection', () => fake.connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const fake: StreamingFake = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections: 0,
    bigBytesWritten: 0,
    bigFinished: false,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  return fake;
}

let h: Harness;
let org: SeededOrg;
let fake: StreamingFake;
let webhook: string;

beforeAll(async () => {
  h = createHarness();
  org = await seedOrg(h.database.db);
  fake = await startStreamingFake();
  const integration = await importAndPublish(h.app, org.adminToken, DEFINITION);
  const customer = encodeGlobalId('Customer', (await seedCustomer(h.database.db, org.admin)).id);
  webhook = (await deployInstance(h.app, org.adminToken, { integration: integration.id, customer, name: 'Fetcher' })).webhooks.fetch!;
});
afterAll(async () => {
  await fake.close();
  await h.close();
});

async function fetchThroughFlow(url: string) {
  const started = await postWebhook(h.app, webhook, { url });
  return awaitEnd(h.app, org.adminToken, started.executionId!);
}

describe('the default egress policy (EGRESS_ALLOW empty)', () => {
  let worker: Awaited<ReturnType<typeof startTestWorker>>;
  beforeAll(async () => {
    worker = await startTestWorker({ egressAllow: [] });
  });
  afterAll(() => worker.stop());

  it('refuses a flow step aimed at loopback, in every spelling, with one text and no connection', async () => {
    const port = new URL(fake.url).port;
    const before = fake.connections;
    for (const host of ['127.0.0.1', '2130706433', 'localhost', '[::1]']) {
      const url = `http://${host}:${port}/api`;
      const execution = await fetchThroughFlow(url);
      expect(execution.status).toBe('FAILED');
      expect(execution.stepResults.nodes[0]).toMatchObject({
        status: 'FAILED',
        attempts: 1,
        output: null,
        error: `${EGRESS_REFUSED_MESSAGE} (GET ${new URL(url).href})`,
      });
    }
    expect(fake.connections).toBe(before);
  });
});

describe('the upstream response size budget (RUN_MAX_RESPONSE_BYTES)', () => {
  const LIMIT = 256 * 1024;
  let worker: Awaited<ReturnType<typeof startTestWorker>>;
  beforeAll(async () => {
    worker = await startTestWorker({ maxResponseBytes: LIMIT });
  });
  afterAll(() => worker.stop());

  it('fails the step once the streamed body passes the limit, without reading the rest or storing it', async () => {
    const execution = await fetchThroughFlow(`${fake.url}/big`);
    expect(execution.status).toBe('FAILED');
    expect(execution.stepResults.nodes[0]).toMatchObject({
      status: 'FAILED',
      attempts: 1,
      output: null,
      error: `The response is larger than the limit of ${LIMIT} bytes (RUN_MAX_RESPONSE_BYTES). (GET ${fake.url}/big)`,
    });
    expect(execution.result).toBeNull();
    // The reader stopped: the fake never got to write the whole body (socket buffers hold a few MB at most).
    expect(fake.bigFinished).toBe(false);
    expect(fake.bigBytesWritten).toBeLessThan(BIG_BODY_BYTES / 5);
  });

  it('the snippet of a failed response reads a small prefix only', async () => {
    const execution = await fetchThroughFlow(`${fake.url}/big-error`);
    expect(execution.stepResults.nodes[0]).toMatchObject({
      status: 'FAILED',
      attempts: 1,
      error: `HTTP 422 from GET ${fake.url}/big-error: ${'a'.repeat(200)}`,
    });
    expect(fake.bigFinished).toBe(false);
    expect(fake.bigBytesWritten).toBeLessThan(BIG_BODY_BYTES / 5);
  });

  it('a body within the limit is read and stored as before', async () => {
    const execution = await fetchThroughFlow(`${fake.url}/small`);
    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.stepResults.nodes[0].output).toEqual({ reached: true });
  });
});
