import { randomUUID } from 'node:crypto';
import { desc, eq } from 'drizzle-orm';
import { customers, instances, integrationVersions } from '../../src/db/tables';
import { createCustomerConfigVariable } from '../../src/domain/connections/customer-config-variables';
import { decodeGlobalId } from '../../src/lib/global-id';
import { connectionId, createScoped } from './connections';
import type { Harness } from './harness';
import { importAndPublish } from './integrations';
import type { SeededOrg } from './seed';

/**
 * An integration whose flow `sync` fans out to customers (trigger `trigger`, YAML flow style) and posts
 * `{ name: <customer externalId> }` to the fake Acme API with each customer's own API key.
 */
export async function fanOutIntegration(h: Harness, org: SeededOrg, apiUrl: string, trigger: string) {
  const stableKey = `fan-${randomUUID().slice(0, 8)}`;
  const acme = await connectionId(h.app, org.adminToken, 'acme-api', 'api-key');
  const scv = await createScoped(h.app, org.adminToken, {
    key: 'Acme',
    stableKey,
    variableScope: 'customer',
    connection: acme,
    inputs: [{ name: 'baseUrl', type: 'value', value: apiUrl }],
  });
  const integration = await importAndPublish(
    h.app,
    org.adminToken,
    `
name: ${stableKey}
stableKey: ${stableKey}
requiredConfigVars:
  - { key: Acme, dataType: connection, useScopedConfigVar: ${stableKey} }
flows:
  - name: Sync
    stableKey: sync
    trigger: ${trigger}
    steps:
      - name: Push
        action: { component: acme-api, key: create-record }
        connection: Acme
        inputs: { name: "{{ customer.externalId }}" }
`,
  );
  const integrationId = decodeGlobalId(integration.id)!.id;
  const [version] = await h.database.db
    .select({ id: integrationVersions.id })
    .from(integrationVersions)
    .where(eq(integrationVersions.integrationId, integrationId))
    .orderBy(desc(integrationVersions.versionNumber))
    .limit(1);
  return { id: integration.id, integrationId, versionId: version!.id, scopedConfigVariableId: decodeGlobalId(scv.id)!.id, connectionStableKey: stableKey };
}

export const apiKeyOf = (externalId: string) => `key-${externalId}`;

/**
 * `count` customers, each with its own Acme API key (`apiKeyOf(externalId)`) and a deployed, enabled instance of
 * the integration: customers and instances in one statement each, the sealed keys through the domain (the
 * vault seals them with each customer's data key), not through hundreds of GraphQL round trips.
 */
export async function seedFanOutCustomers(
  h: Harness,
  org: SeededOrg,
  integration: Awaited<ReturnType<typeof fanOutIntegration>>,
  count: number,
  labelsOf: (index: number) => string[] = () => [],
) {
  const db = h.database.db;
  const prefix = randomUUID().slice(0, 8);
  const rows = await db
    .insert(customers)
    .values(Array.from({ length: count }, (_, i) => ({ orgId: org.orgId, name: `Fan ${prefix} ${i}`, externalId: `${prefix}-${i}`, labels: labelsOf(i) })))
    .returning({ id: customers.id, externalId: customers.externalId, labels: customers.labels });
  for (let start = 0; start < rows.length; start += 25) {
    await Promise.all(
      rows.slice(start, start + 25).map((customer) =>
        createCustomerConfigVariable(db, h.vault, org.admin, {
          scopedConfigVariableId: integration.scopedConfigVariableId,
          customerId: customer.id,
          isTest: false,
          inputs: [{ name: 'apiKey', type: 'value', value: apiKeyOf(customer.externalId!) }],
        }),
      ),
    );
  }
  await db.insert(instances).values(
    rows.map((customer) => ({
      orgId: org.orgId,
      integrationId: integration.integrationId,
      customerId: customer.id,
      name: `Fan-out ${customer.externalId}`,
      deployedVersionId: integration.versionId,
      lastDeployedAt: new Date(),
      configValues: { Acme: { kind: 'scoped' as const, stableKey: integration.connectionStableKey } },
    })),
  );
  return rows.map((r) => ({ id: r.id, externalId: r.externalId!, labels: r.labels }));
}
