import { randomUUID } from 'node:crypto';
import { GraphQLError } from 'graphql';
import { afterAll, describe, expect, it } from 'vitest';
import { unexpectedErrorLog } from '../../src/http/error-log';
import { createLogger } from '../../src/log';
import { encodeGlobalId } from '../../src/lib/global-id';
import { createHarness, gql } from '../support/harness';
import { capturedLogLines } from '../support/log-capture';
import { seedCustomer, seedOrg } from '../support/seed';

// A body limit large enough for the ids, so the list cap (not the body limit) is what answers.
const h = createHarness({ api: { maxBodyBytes: 16 * 1024 * 1024 } });
const withDefaults = createHarness();
afterAll(async () => {
  await h.close();
  await withDefaults.close();
});

const NODES = `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`;
const customerIds = (n: number) => Array.from({ length: n }, () => encodeGlobalId('Customer', randomUUID()));
const logBytes = () => capturedLogLines.reduce((sum, line) => sum + line.length, 0);

describe('nodes(ids: $ids) with 66,000 ids (finding 1)', () => {
  it('answers a clear error naming the argument within a second, logs nothing large, and keeps serving', async () => {
    const org = await seedOrg(h.database.db);
    const customer = await seedCustomer(h.database.db, org.admin, { name: 'Still Here' });
    const ids = customerIds(66_000);
    const logBefore = logBytes();
    const started = performance.now();
    const res = await gql(h.app, NODES, { ids }, org.adminToken);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(res.data).toBeUndefined();
    expect(res.errors).toEqual([
      expect.objectContaining({ message: 'ids: at most 100 items are allowed, got 66000.', extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) }),
    ]);
    expect(logBytes() - logBefore).toBeLessThan(2_000);
    const next = await gql(h.app, NODES, { ids: [encodeGlobalId('Customer', customer.id)] }, org.adminToken);
    expect(next.data).toEqual({ nodes: [{ id: encodeGlobalId('Customer', customer.id) }] });
  });

  it('is refused by the default 1 MB body limit before the body is parsed', async () => {
    const org = await seedOrg(withDefaults.database.db);
    const ids = customerIds(66_000);
    const started = performance.now();
    const res = await gql(withDefaults.app, NODES, { ids }, org.adminToken);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(res.status).toBe(413);
    expect(res.errors?.[0]?.extensions?.code).toBe('REQUEST_ENTITY_TOO_LARGE');
  });

  it('still answers 100 ids, the page maximum', async () => {
    const org = await seedOrg(h.database.db);
    const res = await gql(h.app, NODES, { ids: customerIds(100) }, org.adminToken);
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({ nodes: Array.from({ length: 100 }, () => null) });
  });

  it('caps list fields inside input objects and literal lists too, naming the field', async () => {
    const org = await seedOrg(h.database.db);
    const labels = Array.from({ length: 101 }, (_, i) => `l${i}`);
    const res = await gql(
      h.app,
      `mutation($labels: [String!]) { createCustomer(input: { name: "Many Labels", labels: $labels }) { customer { id } } }`,
      { labels },
      org.adminToken,
    );
    expect(res.errors?.[0]?.message).toBe('input.labels: at most 100 items are allowed, got 101.');
    const listed = await gql(h.app, `{ customers(name: "Many Labels") { totalCount } }`, {}, org.adminToken);
    expect(listed.data?.customers?.totalCount ?? 0).toBe(0);
  });
});

describe('unexpected errors in the operator log', () => {
  it('are logged once per request however many list items failed, without the SQL parameters', () => {
    const lines: string[] = [];
    const errorLog = unexpectedErrorLog(createLogger('info', { write: (line: string) => lines.push(line) }));
    const params = `params: ${'x'.repeat(5_000_000)}`;
    const driverError = Object.assign(new Error(`Failed query: select * from customers where id in ($1, $2)\n${params}`), {
      cause: Object.assign(new Error('bind message supplies 66000 parameters, but prepared statement "" requires 2'), { code: '08P01' }),
    });
    const errors = Array.from({ length: 500 }, (_, i) => new GraphQLError('failed', { path: ['nodes', i], originalError: driverError }));
    const hooks = (errorLog.plugin.onExecute as (payload: unknown) => unknown)({}) as { onExecuteDone: (payload: unknown) => void };
    hooks.onExecuteDone({ result: { errors } });
    errorLog.logOnce(errors[0]);
    expect(lines).toHaveLength(1);
    expect(lines[0]!.length).toBeLessThan(3_000);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      errorCount: 500,
      err: { code: '08P01', message: expect.stringContaining('bind message supplies 66000 parameters') },
    });
    expect(lines[0]).not.toContain('xxxx');
  });
});
