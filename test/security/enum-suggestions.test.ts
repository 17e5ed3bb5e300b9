import { afterAll, describe, expect, it } from 'vitest';
import { createHarness, gql } from '../support/harness';
import { seedOrg } from '../support/seed';

const h = createHarness();
afterAll(() => h.close());

describe('suggestions in error messages (finding 10)', () => {
  it('are hidden for enum values, written in the query or passed as variables, as for fields', async () => {
    const org = await seedOrg(h.database.db);
    const literal = await gql(h.app, `{ customers(sortBy: [{ field: NAME, direction: ASCX }]) { totalCount } }`, {}, org.adminToken);
    const variable = await gql(
      h.app,
      `query($d: OrderDirection!) { customers(sortBy: [{ field: NAME, direction: $d }]) { totalCount } }`,
      { d: 'ASCX' },
      org.adminToken,
    );
    const field = await gql(h.app, `{ customerz { totalCount } }`, {}, org.adminToken);
    for (const res of [literal, variable, field]) {
      expect(res.errors?.length).toBeGreaterThan(0);
      for (const error of res.errors!) {
        expect(error.message).not.toMatch(/Did you mean|"ASC"|"customers"/);
      }
    }
    expect(literal.errors![0]!.message).toBe('Value "ASCX" does not exist in "OrderDirection" enum.');
  });
});
