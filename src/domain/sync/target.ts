import { and, eq, isNull, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { components, customerConfigVariables, customers, envVariables, instances, integrations, scopedConfigVariables } from '../../db/tables';
import { directDataKeys, type SealedValue, type SecretSlot, type Vault } from '../../vault/vault';
import type { Actor } from '../actor';
import type { ConnectionRecord } from '../components/registry';
import { isSecret } from '../connections/input-expressions';
import type { ScopedConfigVariable } from '../connections/scoped-config-variables';
import type { Customer } from '../customers/customers';
import { shownEnvValues, type EnvVariable } from '../env-variables/env-variables';
import { configDefinitionsOf, type ConfigDefinition } from '../integrations/integrations';
import { latestAvailableVersionsOf, type IntegrationVersion } from '../integrations/versions';
import { inlineSlot } from '../instances/config-values';
import { connectionFinder } from './connection-finder';
import type { Instance } from '../instances/instances';

/*
 * What the target organization has, keyed the way a bundle names things, read once per plan. Values are
 * opened only where the plan compares them (non-secret env values and global connection inputs); secrets
 * are only checked for presence.
 */

export type TargetInstance = {
  row: Instance;
  customerExternalId: string | null;
  integrationStableKey: string | null;
  /** Inline connection inputs by `<config var key>/<input>`: opened when not secret, else null. */
  inlineValues: Map<string, string | null>;
};

export type TargetState = {
  /** Digest of every row a sync reads or writes; any write in between changes it. */
  digest: string;
  components: Map<string, typeof components.$inferSelect>;
  envVariables: Map<string, { row: EnvVariable; value: string | null }>;
  /** Global values by input: opened when not secret, null for a secret (present, never opened). */
  connections: Map<string, { row: ScopedConfigVariable; values: Map<string, string | null> }>;
  integrations: Map<string, ConfigDefinition>;
  /** By integration id: the version deployInstance would deploy (the latest one not withdrawn). */
  latestAvailableVersions: Map<string, IntegrationVersion>;
  customers: Map<string, Customer>;
  /** By instanceKey (customer externalId / integration stableKey / name). */
  instances: Map<string, TargetInstance>;
  /** `<scoped config variable id>/<customer id>` for every customer's values (test values excluded). */
  customerValues: Set<string>;
};

export async function loadTargetState(db: DbOrTx, vault: Vault, actor: Actor): Promise<TargetState> {
  const orgId = actor.orgId;
  // One statement after another: inside an apply these run on the transaction's single connection.
  const digest = await stateDigest(db, orgId);
  const componentRows = await db.select().from(components).where(eq(components.orgId, orgId));
  const envRows = await db.select().from(envVariables).where(eq(envVariables.orgId, orgId));
  const scopedRows = await db
    .select()
    .from(scopedConfigVariables)
    .where(and(eq(scopedConfigVariables.orgId, orgId), isNull(scopedConfigVariables.customerId)));
  const integrationRows = await db.select({ id: integrations.id, stableKey: integrations.stableKey }).from(integrations).where(eq(integrations.orgId, orgId));
  // The system customer and test instances are each tenant's own: never matched, created or changed by a sync.
  const customerRows = await db
    .select()
    .from(customers)
    .where(and(eq(customers.orgId, orgId), eq(customers.isSystem, false)));
  const instanceRows = await db
    .select({ row: instances, customerExternalId: customers.externalId, integrationStableKey: integrations.stableKey })
    .from(instances)
    .innerJoin(customers, eq(customers.id, instances.customerId))
    .innerJoin(integrations, eq(integrations.id, instances.integrationId))
    .where(and(eq(instances.orgId, orgId), eq(instances.isSystem, false)));
  const valueRows = await db
    .select({ scopedId: customerConfigVariables.scopedConfigVariableId, customerId: customerConfigVariables.customerId })
    .from(customerConfigVariables)
    .where(and(eq(customerConfigVariables.orgId, orgId), eq(customerConfigVariables.isTest, false)));

  const envValues = await shownEnvValues(vault, directDataKeys(db), envRows);
  const definitions = await configDefinitionsOf(
    db,
    integrationRows.map((row) => row.id),
  );
  const latestAvailableVersions = await latestAvailableVersionsOf(
    db,
    integrationRows.map((row) => row.id),
  );
  const state: TargetState = {
    digest,
    latestAvailableVersions,
    components: new Map(componentRows.map((row) => [row.key, row])),
    envVariables: new Map(envRows.map((row, i) => [row.name, { row, value: envValues[i] ?? null }])),
    connections: new Map(),
    integrations: new Map(),
    customers: new Map(customerRows.flatMap((row) => (row.externalId ? [[row.externalId, row] as const] : []))),
    instances: new Map(),
    customerValues: new Set(valueRows.map((row) => `${row.scopedId}/${row.customerId}`)),
  };
  for (const row of integrationRows) if (row.stableKey) state.integrations.set(row.stableKey, definitions.get(row.id)!);
  const findConnection = connectionFinder(db, actor);
  // Only non-secret values are opened: comparing a bundle's value with a secret would let a crafted bundle
  // confirm a guess of it. A secret counts as present (null), which never equals a value.
  const inline: { row: Instance; name: string; slot: SecretSlot; sealed: SealedValue }[] = [];
  for (const { row } of instanceRows) {
    const configVars = definitions.get(row.integrationId)?.definition.requiredConfigVars ?? [];
    for (const [key, stored] of Object.entries(row.configValues)) {
      if (stored.kind !== 'inline') continue;
      const ref = configVars.find((configVar) => configVar.key === key);
      const connection = ref?.dataType === 'connection' && ref.connection ? await findConnection(ref.connection.component, ref.connection.key) : null;
      for (const [input, sealed] of Object.entries(stored.values)) {
        if (isShown(connection, input)) inline.push({ row, name: `${key}/${input}`, slot: inlineSlot(row.id, key, input), sealed });
      }
    }
  }
  const opened = await vault.openMany(
    db,
    inline.map(({ row, slot, sealed }) => ({ owner: { orgId, customerId: row.customerId }, slot, sealed })),
  );
  const inlineByInstance = new Map<string, Map<string, string | null>>();
  inline.forEach((entry, i) => {
    const values = inlineByInstance.get(entry.row.id) ?? new Map<string, string | null>();
    inlineByInstance.set(entry.row.id, values.set(entry.name, opened[i] ?? null));
  });
  for (const item of instanceRows) {
    const values = inlineByInstance.get(item.row.id) ?? new Map<string, string | null>();
    for (const [key, stored] of Object.entries(item.row.configValues)) {
      if (stored.kind === 'inline') for (const input of Object.keys(stored.values)) if (!values.has(`${key}/${input}`)) values.set(`${key}/${input}`, null);
    }
    state.instances.set(`${item.customerExternalId ?? ''}/${item.integrationStableKey ?? ''}/${item.row.name}`, { ...item, inlineValues: values });
  }
  for (const row of scopedRows) {
    const connection = await findConnection(row.componentKey, row.connectionKey);
    const names = Object.keys(row.globalValues).filter((name) => isShown(connection, name));
    const opened = await vault.openMany(
      db,
      names.map((name) => ({ owner: { orgId, customerId: null }, slot: { record: row.id, field: name }, sealed: row.globalValues[name]! })),
    );
    const values = new Map<string, string | null>(Object.keys(row.globalValues).map((name) => [name, null]));
    names.forEach((name, i) => values.set(name, opened[i] ?? null));
    state.connections.set(row.stableKey, { row, values });
  }
  return state;
}

/** An input of an unknown connection type counts as secret: nothing proves that opening it is harmless. */
export function isShown(connection: ConnectionRecord | null, input: string): boolean {
  const field = connection?.definition.inputs.find((candidate) => candidate.key === input);
  return !!field && !isSecret(field);
}

/** One statement: a digest over (id, updated_at) of every table a sync reads, for the plan hash. */
async function stateDigest(db: DbOrTx, orgId: string): Promise<string> {
  const result = await db.execute<{ digest: string }>(sql`
    select md5(coalesce(string_agg(x, ',' order by x), '')) as digest from (
      select 'i' || id || updated_at from integrations where org_id = ${orgId}
      union all select 'v' || id || is_available from integration_versions where org_id = ${orgId}
      union all select 's' || id || updated_at from scoped_config_variables where org_id = ${orgId}
      union all select 'c' || id || updated_at from customer_config_variables where org_id = ${orgId}
      union all select 'e' || id || updated_at from env_variables where org_id = ${orgId}
      union all select 'u' || id || updated_at from customers where org_id = ${orgId}
      union all select 'n' || id || updated_at from instances where org_id = ${orgId}
      union all select 'p' || id || updated_at from components where org_id = ${orgId}
    ) as t(x)`);
  return result.rows[0]!.digest;
}
