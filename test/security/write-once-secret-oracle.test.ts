import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionId, createScoped } from '../support/connections';
import { createHarness, gql, type Harness } from '../support/harness';
import { seedOrg, type SeededOrg } from '../support/seed';

/*
 * Finding 10: updateScopedConfigVariable answered "ok" when the submitted value of a write-once global secret
 * equalled the stored one and "cannot be changed" otherwise, so an admin could confirm a guess of a secret
 * that is never shown. The answer must not depend on the guess.
 */

const UPDATE = `mutation($id: ID!, $value: String!) {
  updateScopedConfigVariable(input: { id: $id, inputs: [{ name: "apiKey", type: "value", value: $value }] }) {
    scopedConfigVariable { id } errors { field messages }
  }
}`;

let h: Harness;
let org: SeededOrg;

beforeAll(async () => {
  h = createHarness();
  org = await seedOrg(h.database.db);
});
afterAll(() => h.close());

describe('a write-once global secret', () => {
  it('answers the same for the right and a wrong guess', async () => {
    const acme = await connectionId(h.app, org.adminToken, 'acme-api', 'api-key');
    const scv = await createScoped(h.app, org.adminToken, {
      key: 'Global',
      stableKey: 'oracle-global',
      variableScope: 'org',
      connection: acme,
      inputs: [
        { name: 'apiKey', type: 'value', value: 'the-real-secret' },
        { name: 'baseUrl', type: 'value', value: 'https://api.acme.example' },
      ],
    });
    const right = await gql(h.app, UPDATE, { id: scv.id, value: 'the-real-secret' }, org.adminToken);
    const wrong = await gql(h.app, UPDATE, { id: scv.id, value: 'a-wrong-guess' }, org.adminToken);
    expect(right.data.updateScopedConfigVariable.errors).toEqual([
      { field: 'inputs', messages: ['Input "apiKey" is a global secret and already set; global values cannot be changed.'] },
    ]);
    expect(wrong).toEqual(right);
  });
});
