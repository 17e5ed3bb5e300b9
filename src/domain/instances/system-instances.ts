import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { customers, instances, integrations } from '../../db/tables';
import type { Vault } from '../../vault/vault';
import type { Actor } from '../actor';
import type { Integration } from '../integrations/integrations';
import { addFlowConfigs, visibleInstances, type Instance } from './instances';

/*
 * Prismatic's system instance: every integration has one test instance, of the organization's one system
 * customer. It is configured against the integration's draft (testConfigVariables), its flow configs follow
 * the draft's flows, and designer test runs take its values (credential rule 4). It is never deployed,
 * listed with the customer's instances, synced or exported; the system customer is never listed either.
 */

/** What the system customer is called where an instance shows its customer. */
const SYSTEM_CUSTOMER_NAME = 'Test runs';

/**
 * The integration's system instance, created with the organization's system customer when missing, with a
 * flow config for every flow of the draft. Called in the transaction that creates or re-imports the draft.
 */
export async function ensureSystemInstance(db: DbOrTx, vault: Vault, integration: Integration): Promise<Instance> {
  await db
    .insert(customers)
    .values({ orgId: integration.orgId, name: SYSTEM_CUSTOMER_NAME, isSystem: true })
    .onConflictDoNothing({ target: customers.orgId, where: sql`${customers.isSystem}` });
  const [customer] = await db
    .select({ id: customers.id })
    .from(customers)
    .where(and(eq(customers.orgId, integration.orgId), eq(customers.isSystem, true)));
  await db
    .insert(instances)
    .values({ orgId: integration.orgId, integrationId: integration.id, customerId: customer!.id, name: `${integration.name} (test)`, isSystem: true })
    .onConflictDoNothing({ target: instances.integrationId, where: sql`${instances.isSystem}` });
  const [instance] = await db
    .select()
    .from(instances)
    .where(and(eq(instances.integrationId, integration.id), eq(instances.isSystem, true)));
  await addFlowConfigs(db, vault, instance!, integration.definition);
  return instance!;
}

/**
 * Gives every integration created before system instances existed its own. Runs at start, where the master
 * key is at hand (flow configs seal a webhook token); one indexed read when there is nothing to do.
 */
export async function addMissingSystemInstances(db: DbOrTx, vault: Vault): Promise<number> {
  const missing = await db
    .select({ integration: integrations })
    .from(integrations)
    .leftJoin(instances, and(eq(instances.integrationId, integrations.id), eq(instances.isSystem, true)))
    .where(isNull(instances.id));
  for (const { integration } of missing) await db.transaction((tx) => ensureSystemInstance(tx, vault, integration));
  return missing.length;
}

/** The system instances of these integrations, by integration id, as far as the actor sees them (visibleInstances). */
export async function systemInstancesOf(db: DbOrTx, actor: Actor, integrationIds: readonly string[]): Promise<Map<string, Instance>> {
  if (integrationIds.length === 0) return new Map();
  const rows = await db
    .select()
    .from(instances)
    .where(and(visibleInstances(actor), eq(instances.isSystem, true), inArray(instances.integrationId, [...integrationIds])));
  return new Map(rows.map((row) => [row.integrationId, row]));
}
