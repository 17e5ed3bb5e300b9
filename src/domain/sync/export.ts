import { and, asc, eq, isNull } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { components, customers, envVariables, integrations, instances, scopedConfigVariables } from '../../db/tables';
import { directDataKeys, type Vault } from '../../vault/vault';
import { requireOrgAdmin, type Actor } from '../actor';
import { shownEnvValues } from '../env-variables/env-variables';
import { serializeIntegrationDefinition } from '../integrations/definition';
import { configDefinitionsOf } from '../integrations/integrations';
import { inlineSlot } from '../instances/config-values';
import { BUNDLE_VERSION, serializeBundle, type Bundle, type BundleConnection, type BundleInstance, type BundleSecret } from './bundle';
import { connectionFinder } from './connection-finder';
import { isShown } from './target';
import { USER_AUTHENTICATION_OFF } from '../user-authentications/settings';

export type ExportOptions = { includeCustomers: boolean };

/**
 * The organization's configuration as a bundle. Values are opened only where the API shows them too
 * (non-secret inputs and env variables); a secret is named in `secrets`, never copied.
 */
export async function exportBundle(db: DbOrTx, vault: Vault, actor: Actor, options: ExportOptions): Promise<string> {
  requireOrgAdmin(actor, 'export the organization');
  const secrets: BundleSecret[] = [];
  const bundle: Bundle = {
    bundleVersion: BUNDLE_VERSION,
    components: await exportComponents(db, actor),
    envVariables: await exportEnvVariables(db, vault, actor, secrets),
    connections: await exportConnections(db, vault, actor, secrets),
    integrations: await exportIntegrations(db, actor, options),
    customers: options.includeCustomers ? await exportCustomers(db, actor) : [],
    instances: options.includeCustomers ? await exportInstances(db, vault, actor) : [],
    secrets,
  };
  return serializeBundle(bundle);
}

async function exportComponents(db: DbOrTx, actor: Actor): Promise<Bundle['components']> {
  const rows = await db.select().from(components).where(eq(components.orgId, actor.orgId)).orderBy(asc(components.key));
  return rows.map((row) => ({ key: row.key, definition: row.definition as unknown as Record<string, unknown> }));
}

async function exportEnvVariables(db: DbOrTx, vault: Vault, actor: Actor, secrets: BundleSecret[]): Promise<Bundle['envVariables']> {
  const rows = await db.select().from(envVariables).where(eq(envVariables.orgId, actor.orgId)).orderBy(asc(envVariables.name));
  const values = await shownEnvValues(vault, directDataKeys(db), rows);
  return rows.map((row, i) => {
    if (row.isSecret) {
      secrets.push({ envVariable: row.name });
      return { name: row.name, valueType: row.valueType, isSecret: true };
    }
    return { name: row.name, valueType: row.valueType, isSecret: false, value: values[i] ?? '' };
  });
}

/** Connections that belong to one customer stay: they are that customer's, not the organization's setup. */
async function exportConnections(db: DbOrTx, vault: Vault, actor: Actor, secrets: BundleSecret[]): Promise<BundleConnection[]> {
  const rows = await db
    .select()
    .from(scopedConfigVariables)
    .where(and(eq(scopedConfigVariables.orgId, actor.orgId), isNull(scopedConfigVariables.customerId)))
    .orderBy(asc(scopedConfigVariables.stableKey));
  const findConnection = connectionFinder(db, actor);
  const result: BundleConnection[] = [];
  for (const row of rows) {
    const connection = await findConnection(row.componentKey, row.connectionKey);
    const shown = Object.keys(row.globalValues).filter((name) => isShown(connection, name));
    const opened = await vault.openMany(
      db,
      shown.map((name) => ({ owner: { orgId: row.orgId, customerId: null }, slot: { record: row.id, field: name }, sealed: row.globalValues[name]! })),
    );
    const valueOf = new Map(shown.map((name, i) => [name, opened[i]]));
    for (const name of Object.keys(row.globalValues)) if (!shown.includes(name)) secrets.push({ connection: row.stableKey, input: name });
    result.push({
      stableKey: row.stableKey,
      key: row.key,
      description: row.description,
      variableScope: row.variableScope,
      managedBy: row.managedBy,
      component: row.componentKey,
      connection: row.connectionKey,
      userAuthentication: row.userAuthentication ?? USER_AUTHENTICATION_OFF,
      inputs: Object.entries(row.inputScopes).map(([name, scope]) => {
        const value = valueOf.get(name);
        return value != null ? { name, scope, value } : { name, scope };
      }),
    });
  }
  return result;
}

/**
 * A customer-specific integration travels with its customer (by externalId), so only when customers do:
 * without them the target could not give it its owner, and an organization-wide copy would widen who can
 * have instances of it.
 */
async function exportIntegrations(db: DbOrTx, actor: Actor, options: ExportOptions): Promise<Bundle['integrations']> {
  const rows = await db
    .select({ integration: integrations, customerExternalId: customers.externalId })
    .from(integrations)
    .leftJoin(customers, eq(customers.id, integrations.customerId))
    .where(and(eq(integrations.orgId, actor.orgId), options.includeCustomers ? undefined : isNull(integrations.customerId)))
    .orderBy(asc(integrations.name));
  return rows.map(({ integration, customerExternalId }) => ({
    definition: serializeIntegrationDefinition(integration.definition),
    published: integration.versionNumber > 0,
    ...(integration.customerId ? { customer: customerExternalId ?? '' } : {}),
  }));
}

async function exportCustomers(db: DbOrTx, actor: Actor): Promise<Bundle['customers']> {
  // The system customer and its test instances are this tenant's own: a bundle never carries them.
  const rows = await db
    .select()
    .from(customers)
    .where(and(eq(customers.orgId, actor.orgId), eq(customers.isSystem, false)))
    .orderBy(asc(customers.name));
  return rows.map((row) => ({ externalId: row.externalId ?? '', name: row.name, description: row.description, labels: row.labels }));
}

async function exportInstances(db: DbOrTx, vault: Vault, actor: Actor): Promise<BundleInstance[]> {
  const rows = await db
    .select({ instance: instances, customerExternalId: customers.externalId, integrationStableKey: integrations.stableKey })
    .from(instances)
    .innerJoin(customers, eq(customers.id, instances.customerId))
    .innerJoin(integrations, eq(integrations.id, instances.integrationId))
    .where(and(eq(instances.orgId, actor.orgId), eq(instances.isSystem, false)))
    .orderBy(asc(customers.externalId), asc(integrations.stableKey), asc(instances.name));
  const definitions = await configDefinitionsOf(
    db,
    rows.map((row) => row.instance.integrationId),
  );
  const findConnection = connectionFinder(db, actor);
  const result: BundleInstance[] = [];
  for (const { instance, customerExternalId, integrationStableKey } of rows) {
    const configVars = definitions.get(instance.integrationId)?.definition.requiredConfigVars ?? [];
    const values: Record<string, string> = {};
    const connections: BundleInstance['connections'] = {};
    for (const [key, stored] of Object.entries(instance.configValues)) {
      if (stored.kind === 'value') values[key] = stored.value;
      if (stored.kind !== 'inline') continue;
      const ref = configVars.find((configVar) => configVar.key === key && configVar.dataType === 'connection');
      const connection = ref?.dataType === 'connection' && ref.connection ? await findConnection(ref.connection.component, ref.connection.key) : null;
      const shown = Object.keys(stored.values).filter((name) => isShown(connection, name));
      const owner = { orgId: instance.orgId, customerId: instance.customerId };
      const opened = await vault.openMany(
        db,
        shown.map((name) => ({ owner, slot: inlineSlot(instance.id, key, name), sealed: stored.values[name]! })),
      );
      connections[key] = {
        values: Object.fromEntries(shown.map((name, i) => [name, opened[i] ?? ''])),
        secretInputs: Object.keys(stored.values).filter((name) => !shown.includes(name)),
      };
    }
    result.push({
      customer: customerExternalId ?? '',
      integration: integrationStableKey ?? '',
      name: instance.name,
      description: instance.description,
      labels: instance.labels,
      enabled: instance.enabled,
      deployed: instance.deployedVersionId !== null,
      values,
      connections,
    });
  }
  return result;
}
