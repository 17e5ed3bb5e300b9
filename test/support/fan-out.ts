import { randomUUID } from 'node:crypto';
import { desc, eq } from 'drizzle-orm';
import { customers, instances, integrationVersions } from '../../src/db/tables';
import { createCustomerConfigVariable } from '../../src/domain/connections/customer-config-variables';
import { refreshFanOutSchedules } from '../../src/domain/instances/flow-schedules';
import { decodeGlobalId } from '../../src/lib/global-id';
import type { Db } from '../../src/db/client';
import type { Actor } from '../../src/domain/actor';
import type { Vault } from '../../src/vault/vault';
import { connectionId, createScoped } from './connections';
import type { Harness } from './harness';
import { importAndPublish } from './integrations';
import type { SeededOrg } from './seed';

/**
 * An integration whose flow `sync` (trigger `trigger`, YAML flow style) posts `{ name: <customer externalId> }`
 * with the acme-api connection of the scoped config variable `stableKey`.
 */
export const fanOutDefinition = (stableKey: string, trigger: string) => `
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
`;

/**
 * `fanOutDefinition` imported and published, with a customer-scoped acme-api connection whose global baseUrl
 * is the fake API at `apiUrl` (each customer's API key is seeded by `seedFanOutCustomers`).
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
  const integration = await importAndPublish(h.app, org.adminToken, fanOutDefinition(stableKey, trigger));
  const integrationId = decodeGlobalId(integration.id)!.id;
  const versionId = await newestVersionOf(h.database.db, integrationId);
  return { id: integration.id, integrationId, versionId, scopedConfigVariableId: decodeGlobalId(scv.id)!.id, connectionStableKey: stableKey };
}

export async function newestVersionOf(db: Db, integrationId: string): Promise<string> {
  const [version] = await db
    .select({ id: integrationVersions.id })
    .from(integrationVersions)
    .where(eq(integrationVersions.integrationId, integrationId))
    .orderBy(desc(integrationVersions.versionNumber))
    .limit(1);
  return version!.id;
}

/** What seeding needs of an integration (raw ids). */
export type FanOutTarget = { integrationId: string; versionId: string; scopedConfigVariableId: string; connectionStableKey: string };

const INSERT_CHUNK = 1000;

export const apiKeyOf = (externalId: string) => `key-${externalId}`;

/**
 * `count` customers, each with its own Acme API key (`apiKeyOf(externalId)`) and a deployed, enabled instance of
 * the integration: customers and instances in one statement each, the sealed keys through the domain (the
 * vault seals them with each customer's data key), not through hundreds of GraphQL round trips.
 */
export async function seedFanOutCustomers(
  deps: { db: Db; vault: Vault },
  org: { orgId: string; admin: Actor },
  integration: FanOutTarget,
  count: number,
  labelsOf: (index: number) => string[] = () => [],
) {
  const { db, vault } = deps;
  const prefix = randomUUID().slice(0, 8);
  // In chunks: one statement may carry at most 65,535 parameters.
  const rows: { id: string; externalId: string | null; labels: string[] }[] = [];
  for (let start = 0; start < count; start += INSERT_CHUNK) {
    const indexes = Array.from({ length: Math.min(INSERT_CHUNK, count - start) }, (_, i) => start + i);
    rows.push(
      ...(await db
        .insert(customers)
        .values(indexes.map((i) => ({ orgId: org.orgId, name: `Fan ${prefix} ${i}`, externalId: `${prefix}-${i}`, labels: labelsOf(i) })))
        .returning({ id: customers.id, externalId: customers.externalId, labels: customers.labels })),
    );
  }
  for (let start = 0; start < rows.length; start += 25) {
    await Promise.all(
      rows.slice(start, start + 25).map((customer) =>
        createCustomerConfigVariable(db, vault, org.admin, {
          scopedConfigVariableId: integration.scopedConfigVariableId,
          customerId: customer.id,
          isTest: false,
          inputs: [{ name: 'apiKey', type: 'value', value: apiKeyOf(customer.externalId!) }],
        }),
      ),
    );
  }
  for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
    await db.insert(instances).values(
      rows.slice(start, start + INSERT_CHUNK).map((customer) => ({
        orgId: org.orgId,
        integrationId: integration.integrationId,
        customerId: customer.id,
        name: `Fan-out ${customer.externalId}`,
        deployedVersionId: integration.versionId,
        lastDeployedAt: new Date(),
        configValues: { Acme: { kind: 'scoped' as const, stableKey: integration.connectionStableKey } },
      })),
    );
  }
  // Instances written here bypass the domain, so the integration's scheduled fan-out (if any) is set up as deploys do.
  await refreshFanOutSchedules(db, integration.integrationId);
  return rows.map((r) => ({ id: r.id, externalId: r.externalId!, labels: r.labels }));
}
