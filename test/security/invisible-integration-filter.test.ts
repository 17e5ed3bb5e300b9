import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { instances, integrations } from '../../src/db/tables';
import type { IntegrationDefinition } from '../../src/domain/integrations/definition';
import { encodeGlobalId } from '../../src/lib/global-id';
import { createHarness, gql } from '../support/harness';
import { seedCustomer, seedOrg } from '../support/seed';

const h = createHarness();
afterAll(() => h.close());

const BY_INTEGRATION = `query($i: ID) { instances(integration: $i) { totalCount nodes { id } } executionResults(integration: $i) { totalCount } }`;

describe('list filters by an integration a customer user cannot see (finding 10)', () => {
  it('answer exactly like a missing integration id', async () => {
    const org = await seedOrg(h.database.db);
    const customer = await seedCustomer(h.database.db, org.admin);
    // Rows written directly: only the integration's id and the customer's instance of it matter here.
    const [integration] = await h.database.db
      .insert(integrations)
      .values({ orgId: org.orgId, name: 'Hidden', definition: { name: 'Hidden', flows: [] } as IntegrationDefinition })
      .returning();
    await h.database.db.insert(instances).values({ orgId: org.orgId, integrationId: integration!.id, customerId: customer.id, name: 'Mine' });
    const { token } = await org.customerUser(customer.id);

    const unfiltered = await gql(h.app, `{ instances { totalCount } }`, {}, token);
    expect(unfiltered.data.instances.totalCount).toBe(1);
    const invisible = await gql(h.app, BY_INTEGRATION, { i: encodeGlobalId('Integration', integration!.id) }, token);
    const missing = await gql(h.app, BY_INTEGRATION, { i: encodeGlobalId('Integration', randomUUID()) }, token);
    expect(invisible).toEqual(missing);
    expect(missing.data).toEqual({ instances: { totalCount: 0, nodes: [] }, executionResults: { totalCount: 0 } });

    // The organization itself still filters by it.
    const byAdmin = await gql(h.app, BY_INTEGRATION, { i: encodeGlobalId('Integration', integration!.id) }, org.adminToken);
    expect(byAdmin.data.instances.totalCount).toBe(1);
  });
});
