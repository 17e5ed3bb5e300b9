import { afterAll, beforeAll, expect, it } from 'vitest';
import { createHarness, gql, type Harness } from '../support/harness';
import { seedOrg, type SeededOrg } from '../support/seed';

let h: Harness;
let org: SeededOrg;
beforeAll(async () => {
  h = createHarness();
  org = await seedOrg(h.database.db);
});
afterAll(() => h.close());

// A document without variables is judged once and the verdict reused: every repeat must still be refused.
it('refuses a document over the limits every time it is sent, not only the first', async () => {
  const twoSchemas = '{ a: __schema { queryType { name } } b: __schema { queryType { name } } }';
  for (let i = 0; i < 3; i++) {
    const res = await gql(h.app, twoSchemas, {}, org.adminToken);
    expect(res.data).toBeUndefined();
    expect(res.errors?.map((error) => error.message)).toEqual(['Ask for __schema at most once per request.']);
  }
  const allowed = await gql(h.app, '{ a: __schema { queryType { name } } }', {}, org.adminToken);
  expect(allowed.data).toEqual({ a: { queryType: { name: 'Query' } } });
});
