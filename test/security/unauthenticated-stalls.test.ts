import { randomUUID } from 'node:crypto';
import { getIntrospectionQuery } from 'graphql';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeGlobalId } from '../../src/lib/global-id';
import { createHarness, gql } from '../support/harness';
import { seedOrg } from '../support/seed';

const h = createHarness();
// A body limit large enough for 20,000 ids, so the list cap (not the body limit) is what answers.
const roomy = createHarness({ api: { maxBodyBytes: 16 * 1024 * 1024 } });
afterAll(async () => {
  await h.close();
  await roomy.close();
});

async function timed(run: () => Promise<Response>) {
  const started = performance.now();
  const response = await run();
  const text = await response.text();
  return { status: response.status, text, ms: performance.now() - started };
}
const post = (app: typeof h.app, body: unknown) => async () =>
  app.fetch('http://127.0.0.1/api', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('cheap unauthenticated stalls (finding 8)', () => {
  const ids = Array.from({ length: 20_000 }, () => encodeGlobalId('Customer', randomUUID()));

  it('nodes with 20,000 ids and no token: a fast, small refusal (body limit by default)', async () => {
    const res = await timed(post(h.app, { query: 'query($ids: [ID!]!) { nodes(ids: $ids) { id } }', variables: { ids } }));
    expect(res.status).toBe(413);
    expect(res.ms).toBeLessThan(1_000);
    expect(res.text.length).toBeLessThan(1_000);
  });

  it('nodes with 20,000 ids and no token: a fast, small refusal naming the argument (list cap)', async () => {
    const res = await timed(post(roomy.app, { query: 'query($ids: [ID!]!) { nodes(ids: $ids) { id } }', variables: { ids } }));
    expect(res.ms).toBeLessThan(1_000);
    expect(res.text.length).toBeLessThan(1_000);
    expect(JSON.parse(res.text).errors[0].message).toBe('ids: at most 100 items are allowed, got 20000.');
  });

  it('introspection with 30 aliases is refused quickly; one introspection still works', async () => {
    const selection = '__schema { types { name fields { name args { name type { name } } type { name ofType { name } } } } }';
    const aliased = `{ ${Array.from({ length: 30 }, (_, i) => `a${i}: ${selection}`).join(' ')} }`;
    const res = await timed(post(h.app, { query: aliased }));
    expect(res.ms).toBeLessThan(1_000);
    expect(res.text.length).toBeLessThan(1_000);
    expect(JSON.parse(res.text).errors[0].message).toBe('Ask for __schema at most once per request.');
    const once = await gql(h.app, getIntrospectionQuery());
    expect(once.errors).toBeUndefined();
    expect(once.data.__schema.queryType.name).toBe('Query');
  });
});

describe('the query cost counts real page sizes', () => {
  const NESTED = (page: string) => `query${page.includes('$n') ? '($n: Int)' : ''} {
    customers${page} { nodes { id name instances${page} { nodes { id name integration { instances${page} { nodes { id name } } } } } } }
  }`;
  const costError = (res: { errors?: { message: string }[] }) => res.errors?.find((e) => e.message.startsWith('Query cost'))?.message;

  it('refuses three nested lists of 100 whether first is a literal, a variable or left at its default', async () => {
    const org = await seedOrg(h.database.db);
    expect(costError(await gql(h.app, NESTED('(first: 100)'), {}, org.adminToken))).toMatch(/^Query cost \d+ exceeds the limit of 5000000;/);
    expect(costError(await gql(h.app, NESTED('(first: $n)'), { n: 100 }, org.adminToken))).toMatch(/^Query cost \d+ exceeds the limit/);
    expect(costError(await gql(h.app, NESTED(''), {}, org.adminToken))).toMatch(/^Query cost \d+ exceeds the limit/);
  });

  it('accepts the same query with small pages given as a variable', async () => {
    const org = await seedOrg(h.database.db);
    const res = await gql(h.app, NESTED('(first: $n)'), { n: 10 }, org.adminToken);
    expect(res.errors).toBeUndefined();
    expect(res.data.customers.nodes).toEqual([]);
  });
});
