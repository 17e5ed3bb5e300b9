import { randomUUID } from 'node:crypto';
import { and, asc, eq, inArray, not, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { selectPage } from '../../db/page';
import { customers, instanceFlowConfigs, instances, integrations, integrationVersions } from '../../db/tables';
import type { Vault } from '../../vault/vault';
import { isOrgUser, requireOrgAdmin, type Actor } from '../actor';
import { getCustomer } from '../customers/customers';
import { notFoundAs } from '../connections/scoped-config-variables';
import { FieldErrors, invalid, InvalidInputError, NotFoundError } from '../errors';
import type { IntegrationDefinition } from '../integrations/definition';
import { byVisibleIntegration, configDefinitionsOf, getIntegration, type Integration } from '../integrations/integrations';
import { getIntegrationVersion, latestAvailableVersion, requireDeployableIntegration, requireLatestAvailableVersion } from '../integrations/versions';
import { instanceDefinitionsOf } from './definitions';
import { checkFlowConfigInputs, type InstanceFlowConfigInput } from './flow-config-inputs';
import { checkVersionMove, type VersionChoice } from './version-moves';
import type { Page, PageResult, Sort } from '../pagination';
import { requireDeployable } from './deploy-readiness';
import { refreshFanOutSchedules, refreshInstanceSchedules } from './flow-schedules';
import { newFlowConfigRow } from './webhook-tokens';
import { checkConfigInputs, storedConfigValues, withScopedBindings, type CheckedConfigValue, type InstanceConfigVariableInput } from './config-values';

export type Instance = typeof instances.$inferSelect;
export type InstanceSortField = 'NAME' | 'CREATED_AT' | 'UPDATED_AT' | 'ENABLED' | 'LAST_EXECUTED_AT' | 'CUSTOMER';
export type InstanceFilter = {
  customerId?: string | null;
  customerExternalId?: string | null;
  integrationId?: string | null;
  enabled?: boolean | null;
  isSystem?: boolean | null;
  needsDeploy?: boolean | null;
};

export type CreateInstanceInput = {
  name: string;
  integrationId: string | null;
  /** Instead of integrationId: one of its versions (prism passes the latest available version's id). */
  integrationVersionId?: string | null;
  customerId: string | null;
  description?: string | null;
  labels?: readonly (string | null)[] | null;
  configVariables?: readonly InstanceConfigVariableInput[] | null;
};

export type UpdateInstanceInput = {
  name?: string | null;
  description?: string | null;
  enabled?: boolean | null;
  labels?: readonly (string | null)[] | null;
  /** Replaces every value: config variables left out are reset (Prismatic's updateInstance). */
  configVariables?: readonly InstanceConfigVariableInput[] | null;
  /** Moves the instance to another version of its integration; the next deploy installs it. */
  integration?: VersionChoice | null;
  flowConfigs?: readonly InstanceFlowConfigInput[] | null;
  /** Prismatic's configuration mode; tenantflow configures instances one way, `INSTANCE`. */
  configMode?: string | null;
  /**
   * Prismatic: the update does not mark the instance as needing a deploy. Config changes never do here, so
   * it only matters with `integration`: a move that would need a deploy is refused instead.
   */
  preserveDeployState?: boolean | null;
};

/**
 * Organization users see every instance of their organization; customer users only their own customer's.
 * The test (system) instances are the designers': only organization admins see them, as only they get a
 * flow's testUrl (their webhook URLs run the draft with the test credentials).
 */
export function visibleInstances(actor: Actor): SQL {
  const inOrg = eq(instances.orgId, actor.orgId);
  if (actor.role === 'admin') return inOrg;
  const withoutTest = and(inOrg, eq(instances.isSystem, false))!;
  return isOrgUser(actor) ? withoutTest : and(withoutTest, eq(instances.customerId, actor.customerId!))!;
}

export async function getInstance(db: DbOrTx, actor: Actor, id: string): Promise<Instance> {
  const [row] = await db
    .select()
    .from(instances)
    .where(and(visibleInstances(actor), eq(instances.id, id)));
  if (!row) throw new NotFoundError();
  return row;
}

export async function getInstancesByIds(db: DbOrTx, actor: Actor, ids: readonly string[]): Promise<Instance[]> {
  if (ids.length === 0) return [];
  return db
    .select()
    .from(instances)
    .where(and(visibleInstances(actor), inArray(instances.id, [...ids])));
}

const sortColumns = {
  NAME: instances.name,
  CREATED_AT: instances.createdAt,
  UPDATED_AT: instances.updatedAt,
  ENABLED: instances.enabled,
  LAST_EXECUTED_AT: instances.lastExecutedAt,
  CUSTOMER: sql`(select ${customers.name} from ${customers} where ${customers.id} = ${instances.customerId})`,
} satisfies Record<InstanceSortField, unknown>;

export async function listInstances(
  db: DbOrTx,
  actor: Actor,
  filter: InstanceFilter,
  sort: Sort<InstanceSortField>[],
  page: Page,
): Promise<PageResult<Instance>> {
  // Only asked for, the system (test) instances are listed; then only they are.
  const conditions: SQL[] = [visibleInstances(actor), eq(instances.isSystem, filter.isSystem ?? false)];
  if (filter.customerId != null) conditions.push(eq(instances.customerId, filter.customerId));
  if (filter.integrationId != null) conditions.push(byVisibleIntegration(actor, instances.integrationId, filter.integrationId));
  if (filter.enabled != null) conditions.push(eq(instances.enabled, filter.enabled));
  if (filter.customerExternalId != null) {
    const byExternalId = and(eq(customers.orgId, actor.orgId), eq(customers.externalId, filter.customerExternalId));
    conditions.push(inArray(instances.customerId, db.select({ id: customers.id }).from(customers).where(byExternalId)));
  }
  if (filter.needsDeploy != null) conditions.push(filter.needsDeploy ? needsDeploySql : not(needsDeploySql));
  return selectPage(db, instances, and(...conditions), { sort, columns: sortColumns, fallback: [asc(instances.createdAt)], page });
}

/**
 * Deploys an integration to one customer: checks every config variable value against the integration's
 * configured definition, seals inline connection values with the customer's data key, binds connections
 * that use an organization's connection by stable key, and gives every flow its webhook token. All in one
 * transaction; bad input writes nothing.
 */
export async function createInstance(db: DbOrTx, vault: Vault, actor: Actor, input: CreateInstanceInput): Promise<Instance> {
  requireOrgAdmin(actor, 'create instances');
  const errors = new FieldErrors();
  checkFields(input, errors, true);
  const integration = await integrationToInstantiate(db, actor, input, errors);
  const customer = input.customerId
    ? await getCustomer(db, actor, input.customerId).catch(notFoundAs(errors, 'customer'))
    : (errors.add('customer', 'This field is required.'), null);
  if (!integration || !customer) throw new InvalidInputError(errors.list());
  if (integration.customerId && integration.customerId !== customer.id) {
    errors.add('customer', "This integration is another customer's (customer-specific): only that customer can have instances of it.");
  }
  const definition = await configuredDefinition(db, integration.id);
  const checked = await checkConfigInputs(db, actor, definition, input.configVariables ?? [], errors);
  errors.throwIfAny();

  const id = randomUUID();
  return db.transaction(async (tx) => {
    const configValues = await storedConfigValues(tx, vault, { orgId: actor.orgId, customerId: customer.id }, id, definition, checked, {});
    const [row] = await tx
      .insert(instances)
      .values({
        id,
        orgId: actor.orgId,
        integrationId: integration.id,
        customerId: customer.id,
        name: input.name.trim(),
        description: input.description ?? null,
        labels: (input.labels ?? []) as string[],
        configValues,
      })
      .returning();
    await addFlowConfigs(tx, vault, row!, definition);
    return row!;
  });
}

export async function updateInstance(db: DbOrTx, vault: Vault, actor: Actor, id: string, input: UpdateInstanceInput): Promise<Instance> {
  const existing = await getInstance(db, actor, id);
  requireOrgAdmin(actor, 'update instances');
  const errors = new FieldErrors();
  checkFields(input, errors, false);
  if (input.configMode != null && input.configMode.toUpperCase() !== 'INSTANCE') {
    errors.add('configMode', 'Must be INSTANCE: user-level values are user authentications of the connection (userAuthentication in the definition).');
  }
  const [current] = await instanceDefinitionsOf(db, [existing]);
  if (existing.isSystem) {
    // The test instance runs the draft, whatever its flags say: moving or disabling it would mean nothing.
    if (input.integration != null) errors.add('integration', 'The test (system) instance always runs the draft: it cannot be moved to a version.');
    if (input.enabled === false) errors.add('enabled', 'The test (system) instance cannot be disabled: test runs of the integration use it.');
  }
  const move = input.integration != null && !existing.isSystem ? await checkVersionMove(db, actor, current!, input.integration, errors) : null;
  if (move && input.preserveDeployState === true && move.deploysVersionId !== existing.deployedVersionId) {
    errors.add('preserveDeployState', 'Moving to another version needs a deploy, so the deploy state cannot be preserved: leave it out, then deployInstance.');
  }
  const definition = move?.definition ?? current!.configured.definition;
  if (input.flowConfigs != null) checkFlowConfigInputs(existing.integrationId, definition, input.flowConfigs, errors);
  const checked = input.configVariables != null ? await checkConfigInputs(db, actor, definition, input.configVariables, errors) : null;
  errors.throwIfAny();
  return writeLocked(db, existing.id, async (tx, current) => ({
    name: input.name?.trim() ?? current.name,
    description: input.description !== undefined ? input.description : current.description,
    enabled: input.enabled ?? current.enabled,
    labels: input.labels != null ? (input.labels as string[]) : current.labels,
    configValues: checked ? await storedConfigValues(tx, vault, ownerOf(current), current.id, definition, checked, {}) : current.configValues,
    targetVersionId: move ? move.targetVersionId : current.targetVersionId,
  }));
}

/** Sets the given config variables and leaves the others as they are (Prismatic's updateInstanceConfigVariables). */
export async function updateInstanceConfigVariables(
  db: DbOrTx,
  vault: Vault,
  actor: Actor,
  id: string,
  input: { configVariables: readonly InstanceConfigVariableInput[] },
): Promise<Instance> {
  const existing = await getInstance(db, actor, id);
  requireOrgAdmin(actor, 'update instances');
  const errors = new FieldErrors();
  const [current] = await instanceDefinitionsOf(db, [existing]);
  const definition = current!.configured.definition;
  const checked: Map<string, CheckedConfigValue> = await checkConfigInputs(db, actor, definition, input.configVariables, errors);
  errors.throwIfAny();
  return writeLocked(db, existing.id, async (tx, current) => ({
    configValues: await storedConfigValues(tx, vault, ownerOf(current), current.id, definition, checked, current.configValues),
  }));
}

/**
 * Makes the version the instance was moved to (updateInstance(integration:)), else the integration's latest
 * available published version (a withdrawn version, see updateIntegrationVersionAvailability, is skipped),
 * the one the instance runs: binds the connections that
 * version names by stable key and gives flows it added their webhook tokens. An instance that is not
 * fully configured for that version is refused, listing what is missing. `force` is accepted for Prismatic
 * clients and changes nothing.
 */
export async function deployInstance(db: DbOrTx, vault: Vault, actor: Actor, id: string, _input: { force?: boolean | null } = {}): Promise<Instance> {
  const existing = await getInstance(db, actor, id);
  requireOrgAdmin(actor, 'deploy instances');
  // Test runs always take the draft: deploying the test instance only gives new draft flows their configs.
  if (existing.isSystem) {
    const [definitions] = await instanceDefinitionsOf(db, [existing]);
    await addFlowConfigs(db, vault, existing, definitions!.running);
    return existing;
  }
  const version = existing.targetVersionId
    ? await movedToVersion(db, actor, existing.targetVersionId)
    : await latestAvailableVersion(db, actor, existing.integrationId);
  if (!version) throw await noDeployableVersion(db, actor, existing.integrationId);
  return writeLocked(db, existing.id, async (tx, current) => {
    const configValues = withScopedBindings(version.definition, current.configValues);
    await requireDeployable(tx, actor, { ...current, configValues }, version.definition);
    await addFlowConfigs(tx, vault, current, version.definition);
    const now = new Date();
    return { deployedVersionId: version.id, lastDeployedAt: now, configValues };
  });
}

export async function deleteInstance(db: DbOrTx, actor: Actor, id: string): Promise<Instance> {
  const existing = await getInstance(db, actor, id);
  requireOrgAdmin(actor, 'delete instances');
  if (existing.isSystem) throw invalid('id', 'The test (system) instance goes with its integration (deleteIntegration); it cannot be deleted alone.');
  // Its own schedules go with it (cascade); the integration's fan-out schedule may have depended on it.
  await db.transaction(async (tx) => {
    await tx.delete(instances).where(and(eq(instances.orgId, actor.orgId), eq(instances.id, existing.id)));
    await refreshFanOutSchedules(tx, existing.integrationId);
  });
  return existing;
}

// ---- helpers --------------------------------------------------------------------------------------

/** The integration named by id or by one of its versions, if new instances may deploy it; else null with the field error. */
async function integrationToInstantiate(db: DbOrTx, actor: Actor, input: CreateInstanceInput, errors: FieldErrors): Promise<Integration | null> {
  const field = 'integration';
  try {
    const id = input.integrationVersionId
      ? (await requireLatestAvailableVersion(db, actor, input.integrationVersionId, field)).integrationId
      : input.integrationId;
    if (!id) return (errors.add(field, 'This field is required.'), null);
    const integration = await getIntegration(db, actor, id);
    await requireDeployableIntegration(db, actor, integration, field);
    return integration;
  } catch (error) {
    return notFoundAs(errors, field)(error);
  }
}

/** Instance.needsDeploy (definitions.ts) as a condition: never deployed, not on the version moved to, or behind the latest published one. */
const needsDeploySql = sql`(${instances.deployedVersionId} is null
  or (${instances.targetVersionId} is not null and ${instances.deployedVersionId} <> ${instances.targetVersionId})
  or (${instances.targetVersionId} is null
    and (select ${integrationVersions.versionNumber} from ${integrationVersions} where ${integrationVersions.id} = ${instances.deployedVersionId})
      < (select ${integrations.versionNumber} from ${integrations} where ${integrations.id} = ${instances.integrationId})))`;

/** The version an instance was moved to; withdrawn since, it is no longer deployed to anyone. */
async function movedToVersion(db: DbOrTx, actor: Actor, versionId: string) {
  const version = await getIntegrationVersion(db, actor, versionId);
  if (version.isAvailable) return version;
  throw invalid(
    'integration',
    `The version this instance was moved to (${version.versionNumber}) has been made unavailable: move it to another with updateInstance(integration:).`,
  );
}

async function noDeployableVersion(db: DbOrTx, actor: Actor, integrationId: string) {
  const integration = await getIntegration(db, actor, integrationId);
  if (integration.versionNumber === 0) return invalid('__all__', 'Publish the integration before deploying instances.');
  return invalid(
    'id',
    'Every published version of this integration is unavailable: make one available (updateIntegrationVersionAvailability) or publish a new one.',
  );
}

/**
 * One row per flow of the definition that has none yet. A flow keeps its row (and so its webhook URL)
 * across versions; rows of flows a version dropped stay, unlisted, in case a later version brings it back.
 */
export async function addFlowConfigs(db: DbOrTx, vault: Vault, instance: Pick<Instance, 'id' | 'orgId'>, def: IntegrationDefinition): Promise<void> {
  const existing = await db.select({ key: instanceFlowConfigs.flowStableKey }).from(instanceFlowConfigs).where(eq(instanceFlowConfigs.instanceId, instance.id));
  const missing = def.flows.filter((flow) => !existing.some((row) => row.key === flow.stableKey));
  if (missing.length === 0) return;
  // Sealing costs a data-key read each, so only flows without a row get a token.
  const rows = await Promise.all(missing.map((flow) => newFlowConfigRow(db, vault, instance.orgId, instance.id, flow.stableKey)));
  await db
    .insert(instanceFlowConfigs)
    .values(rows)
    .onConflictDoNothing({ target: [instanceFlowConfigs.instanceId, instanceFlowConfigs.flowStableKey] });
}

type InstanceFields = { name?: string | null; labels?: readonly (string | null)[] | null; description?: string | null };

function checkFields(input: InstanceFields, errors: FieldErrors, creating: boolean) {
  if (creating || input.name !== undefined) {
    if (input.name == null || input.name.trim() === '') errors.add('name', 'This field is required.');
    else if (input.name.length > 255) errors.add('name', 'Must be at most 255 characters.');
  }
  if (input.description != null && input.description.length > 4000) errors.add('description', 'Must be at most 4000 characters.');
  if (input.labels?.some((label) => label == null || label.trim() === '')) errors.add('labels', 'Labels must not be blank.');
}

async function configuredDefinition(db: DbOrTx, integrationId: string): Promise<IntegrationDefinition> {
  const configured = (await configDefinitionsOf(db, [integrationId])).get(integrationId);
  if (!configured) throw new NotFoundError();
  return configured.definition;
}

const ownerOf = (instance: Instance) => ({ orgId: instance.orgId, customerId: instance.customerId });

/**
 * Reads the instance under a row lock and writes the changes computed from that fresh copy, so concurrent
 * updates (two partial config merges, a merge and a deploy) apply one after the other and lose nothing.
 * The instance's schedules change in the same transaction, so the scheduler never sees a half-done change.
 */
async function writeLocked(
  db: DbOrTx,
  id: string,
  changes: (tx: DbOrTx, current: Instance) => Promise<Partial<typeof instances.$inferInsert>>,
): Promise<Instance> {
  return db.transaction(async (tx) => {
    const [current] = await tx.select().from(instances).where(eq(instances.id, id)).for('update');
    if (!current) throw new NotFoundError();
    const [row] = await tx
      .update(instances)
      .set({ ...(await changes(tx, current)), updatedAt: new Date() })
      .where(eq(instances.id, id))
      .returning();
    await refreshInstanceSchedules(tx, row!, current);
    return row!;
  });
}
