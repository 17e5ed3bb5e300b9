import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness';
import { capturedLogLines } from '../support/log-capture';
import { seedCustomer, seedOrg, type SeededOrg } from '../support/seed';
import { randomUUID } from 'node:crypto';

let h: Harness;
let org: SeededOrg;
let server: http.Server;
let port: number;

beforeAll(async () => {
  h = createHarness();
  org = await seedOrg(h.database.db);
  await seedCustomer(h.database.db, org.admin, { name: 'Lean Co', externalId: 'lean-1' });
  server = http.createServer(h.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await h.close();
});

type Answer = { status: number; headers: http.IncomingHttpHeaders; body: string };

/** One POST /api over a real socket (the node listener, where the lean path lives). */
function post(body: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: '127.0.0.1',
        port,
        path: '/api',
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body: text }));
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

/** yoga's own answer to the same request (app.fetch never takes the lean path). */
async function yogaAnswer(body: string, headers: Record<string, string>) {
  const response = await h.app.fetch('http://127.0.0.1/api', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  return { status: response.status, contentType: response.headers.get('content-type'), body: await response.text() };
}

/** The access log line of the request with this id (the test sets x-request-id). */
const accessLine = (requestId: string) =>
  capturedLogLines.map((line) => JSON.parse(line)).find((line) => line.msg === 'request' && line.requestId === requestId);

/** Sends the same request twice over the socket: the first teaches the lean path the document, the second may take it. */
async function twice(request: { query: string; variables?: Record<string, unknown> }, token: string) {
  const body = JSON.stringify(request);
  const ids = [randomUUID(), randomUUID()];
  const first = await post(body, { authorization: `Bearer ${token}`, 'x-request-id': ids[0]! });
  const second = await post(body, { authorization: `Bearer ${token}`, 'x-request-id': ids[1]! });
  const yoga = await yogaAnswer(body, { authorization: `Bearer ${token}` });
  const shape = (answer: Answer) => ({ status: answer.status, contentType: answer.headers['content-type'], body: answer.body });
  expect(shape(first)).toEqual(yoga);
  expect(shape(second)).toEqual(yoga);
  expect(second.headers['x-request-id']).toBe(ids[1]);
  return { answer: yoga, ids, lean: [accessLine(ids[0]!)?.lean ?? false, accessLine(ids[1]!)?.lean ?? false] };
}

const BY_EXTERNAL_ID = 'query ByExternalId($externalId: String) { customers(externalId: $externalId) { nodes { name externalId } } }';

describe('the lean GraphQL path (cached query documents on node:http)', () => {
  it('answers a document yoga has run once with the same bytes yoga answers, and logs it as lean', async () => {
    const { answer, lean, ids } = await twice({ query: BY_EXTERNAL_ID, variables: { externalId: 'lean-1' } }, org.adminToken);
    expect(JSON.parse(answer.body)).toEqual({ data: { customers: { nodes: [{ name: 'Lean Co', externalId: 'lean-1' }] } } });
    expect(lean).toEqual([false, true]);
    const line = accessLine(ids[1]!);
    expect(line).toMatchObject({ method: 'POST', path: '/api', status: 200, orgId: org.orgId, operationName: 'ByExternalId', lean: true });
  });

  it('leaves errors to yoga: a failing field, a refused token and bad variables get the bytes yoga answers', async () => {
    const byId = 'query($id: ID!) { customer(id: $id) { name } }';
    const customer = JSON.parse(
      (await twice({ query: BY_EXTERNAL_ID.replace('name externalId', 'id'), variables: { externalId: 'lean-1' } }, org.adminToken)).answer.body,
    );
    const id = customer.data.customers.nodes[0].id as string;
    expect((await twice({ query: byId, variables: { id } }, org.adminToken)).lean).toEqual([false, true]);

    const missing = await twice({ query: byId, variables: { id: 'Q3VzdG9tZXI6MDAwMDAwMDAtMDAwMC0wMDAwLTAwMDAtMDAwMDAwMDAwMDAw' } }, org.adminToken);
    expect(JSON.parse(missing.answer.body).errors).toHaveLength(1);
    expect(missing.lean).toEqual([false, false]);

    const refused = await twice({ query: byId, variables: { id } }, 'tf_not-a-token');
    expect(JSON.parse(refused.answer.body).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(refused.lean).toEqual([false, false]);

    const badVariables = await twice({ query: byId, variables: { id: 42 } }, org.adminToken);
    expect(JSON.parse(badVariables.answer.body).errors).toHaveLength(1);
    expect(badVariables.lean).toEqual([false, false]);
  });

  it('never answers a mutation or a document that failed validation', async () => {
    const invalid = await twice({ query: '{ customerz { totalCount } }' }, org.adminToken);
    expect(invalid.answer.status).toBe(400);
    expect(invalid.lean).toEqual([false, false]);
    const mutation = await twice({ query: 'mutation { deleteCustomer(input: { id: "bm9wZQ==" }) { errors { field messages } } }' }, org.adminToken);
    expect(mutation.lean).toEqual([false, false]);
  });

  it("answers a document another organization taught it with the caller's own rows only", async () => {
    const other = await seedOrg(h.database.db);
    await seedCustomer(h.database.db, other.admin, { name: 'Other Co', externalId: 'lean-other' });
    const everyone = 'query Everyone { customers { nodes { name } } }';
    expect((await twice({ query: everyone }, org.adminToken)).lean).toEqual([false, true]);
    const requestId = randomUUID();
    const theirs = await post(JSON.stringify({ query: everyone }), { authorization: `Bearer ${other.adminToken}`, 'x-request-id': requestId });
    expect(JSON.parse(theirs.body)).toEqual({ data: { customers: { nodes: [{ name: 'Other Co' }] } } });
    expect(accessLine(requestId)).toMatchObject({ orgId: other.orgId, lean: true });
    const anonymous = await post(JSON.stringify({ query: everyone }));
    expect(JSON.parse(anonymous.body).errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });

  it('refuses a body over the limit with 413 without reading it', async () => {
    const body = JSON.stringify({ query: '{ __typename }', padding: 'x'.repeat(1_100_000) });
    expect((await post(body, { authorization: `Bearer ${org.adminToken}` })).status).toBe(413);
  });
});
