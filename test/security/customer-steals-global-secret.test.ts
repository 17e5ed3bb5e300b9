import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { encodeGlobalId } from '../../src/lib/global-id';
import { CREATE_CCV, CREATE_SCV, connectionId, createScoped } from '../support/connections';
import { createHarness, gql, type Harness } from '../support/harness';
import { seedCustomer, seedOrg, type SeededOrg } from '../support/seed';

/*
 * Finding 3: on a customer-activated connection the organization set `apiKey` globally and left `baseUrl`
 * to the customer, who pointed it at a server of theirs and received the organization's key. Whoever sets a
 * secret must also set where it goes: such a configuration is refused, naming both inputs, and writes nothing.
 */

let h: Harness;
let org: SeededOrg;

beforeAll(async () => {
  h = createHarness();
  org = await seedOrg(h.database.db);
});
afterAll(() => h.close());

async function storedConnections(stableKeyPrefix: string) {
  const rows = await h.database.db.execute(
    sql`select count(*)::int as n from scoped_config_variables where org_id = ${org.orgId} and stable_key like ${`${stableKeyPrefix}%`}`,
  );
  return (rows.rows[0] as { n: number }).n;
}

describe('a global secret with a customer-set destination', () => {
  it.each([
    ['acme-api', 'api-key', 'apiKey', 'baseUrl', [{ name: 'apiKey', type: 'value', value: 'org-global-key' }]],
    [
      'zendesk',
      'api-token',
      'apiToken',
      'subdomain',
      [
        { name: 'apiToken', type: 'value', value: 'org-token' },
        { name: 'email', type: 'value', value: 'ops@vendor.example' },
      ],
    ],
    [
      'http',
      'oauth2-client-credentials',
      'clientSecret',
      'tokenUrl',
      [
        { name: 'clientSecret', type: 'value', value: 'org-client-secret' },
        { name: 'clientId', type: 'value', value: 'org-client' },
      ],
    ],
  ])('is refused for %s/%s: %s global, %s per customer; nothing is written', async (component, connection, secret, destination, inputs) => {
    const id = await connectionId(h.app, org.adminToken, component, connection);
    const stableKey = `steal-${component}-${connection}`;
    const res = await gql(
      h.app,
      CREATE_SCV,
      { input: { key: 'Stealable', stableKey, variableScope: 'customer', managedBy: 'customer', connection: id, inputs } },
      org.adminToken,
    );
    const payload = res.data.createScopedConfigVariable;
    expect(payload.scopedConfigVariable).toBeNull();
    expect(payload.errors).toHaveLength(1);
    expect(payload.errors[0].field).toBe('inputs');
    expect(payload.errors[0].messages).toEqual([expect.stringContaining(`Input "${secret}" is a global secret, so "${destination}"`)]);
    expect(await storedConnections(stableKey)).toBe(0);
  });

  it('is refused when the destination is declared per customer through meta, and allowed once it is global', async () => {
    const acme = await connectionId(h.app, org.adminToken, 'acme-api', 'api-key');
    const refused = await gql(
      h.app,
      CREATE_SCV,
      {
        input: {
          key: 'Meta',
          stableKey: 'steal-meta',
          variableScope: 'customer',
          managedBy: 'customer',
          connection: acme,
          inputs: [
            { name: 'apiKey', type: 'value', value: 'org-global-key' },
            { name: 'baseUrl', type: 'value', value: null, meta: '{"inputScope":"customer"}' },
          ],
        },
      },
      org.adminToken,
    );
    expect(refused.data.createScopedConfigVariable.errors[0].messages[0]).toContain('"apiKey" is a global secret, so "baseUrl"');
    expect(await storedConnections('steal-meta')).toBe(0);

    const safe = await createScoped(h.app, org.adminToken, {
      key: 'Safe',
      stableKey: 'safe-global-destination',
      variableScope: 'customer',
      managedBy: 'customer',
      connection: acme,
      inputs: [
        { name: 'apiKey', type: 'value', value: 'org-global-key' },
        { name: 'baseUrl', type: 'value', value: 'https://api.acme.example' },
      ],
    });
    expect(safe.stableKey).toBe('safe-global-destination');
    // The per-customer secret with a per-customer destination stays allowed: the customer sends its own key.
    const own = await createScoped(h.app, org.adminToken, {
      key: 'Own',
      stableKey: 'own-key-own-url',
      variableScope: 'customer',
      managedBy: 'customer',
      connection: acme,
    });
    expect(own.stableKey).toBe('own-key-own-url');
  });

  it("refuses a customer user's destination value on a connection configured before the rule", async () => {
    const acme = await connectionId(h.app, org.adminToken, 'acme-api', 'api-key');
    const legacy = await createScoped(h.app, org.adminToken, {
      key: 'Legacy',
      stableKey: 'legacy-split',
      variableScope: 'customer',
      managedBy: 'customer',
      connection: acme,
    });
    // As stored by a release without the rule: apiKey global (value sealed on the connection), baseUrl per customer.
    await h.database.db.execute(
      sql`update scoped_config_variables set input_scopes = '{"apiKey":"org","baseUrl":"customer"}'::jsonb where id = ${Buffer.from(legacy.id, 'base64').toString().split(':')[1]}`,
    );
    const customer = await seedCustomer(h.database.db, org.admin);
    const { token } = await org.customerUser(customer.id);
    const res = await gql(
      h.app,
      CREATE_CCV,
      {
        input: {
          scopedConfigVariable: legacy.id,
          customer: encodeGlobalId('Customer', customer.id),
          inputs: [{ name: 'baseUrl', type: 'value', value: 'https://attacker.example' }],
        },
      },
      token,
    );
    expect(res.data.createCustomerConfigVariable.customerConfigVariable).toBeNull();
    expect(res.data.createCustomerConfigVariable.errors[0].messages[0]).toContain('"apiKey" is a global secret, so "baseUrl"');
    const rows = await h.database.db.execute(sql`select count(*)::int as n from customer_config_variables where customer_id = ${customer.id}`);
    expect((rows.rows[0] as { n: number }).n).toBe(0);
  });
});
