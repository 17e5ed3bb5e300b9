import { and, asc, count, desc, eq, ilike, inArray, isNotNull, isNull, sql, type AnyColumn, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { selectPage } from '../../db/page';
import { uniqueViolation } from '../../db/errors';
import { instances, integrations, integrationVersions } from '../../db/tables';
import { isOrgUser, requireOrgAdmin, requireOrgUser, type Actor } from '../actor';
import { escapeLike } from '../../db/like';
import { FieldErrors, invalid, InvalidInputError, NotFoundError } from '../errors';
import type { Page, PageResult, Sort } from '../pagination';
import type { DefinitionError, IntegrationDefinition } from './definition';
import { checkDefinitionText } from './check-definition-text';
import { definitionMessages, definitionWarnings } from './tenant-check';
import { ownerToSet } from './integration-owner';
import { ensureSystemInstance } from '../instances/system-instances';
import type { Vault } from '../../vault/vault';

export type Integration = typeof integrations.$inferSelect;
export type IntegrationSortField = 'NAME' | 'CREATED_AT' | 'UPDATED_AT' | 'VERSION_NUMBER';
export type IntegrationFilter = {
  name?: string | null;
  nameIcontains?: string | null;
  stableKey?: string | null;
  /** Only the integrations built for this customer (customer-specific). */
  customerId?: string | null;
  /** true: only the organization's own integrations; false: only customer-specific ones. */
  customerIsNull?: boolean | null;
  /** true: integrations with an available published version (deployable); false: those without one. */
  versionIsAvailable?: boolean | null;
};
export type ImportIntegrationInput = {
  definition: string;
  integrationId?: string | null;
  /** The customer a new integration is built for; an existing one keeps its owner. */
  customerId?: string | null;
};

/**
 * Organization users see every integration of their organization. Customer users see none: Prismatic shows
 * them marketplace integrations, which tenantflow does not have; they reach their instances directly.
 */
export function visibleIntegrations(actor: Actor): SQL {
  return isOrgUser(actor) ? eq(integrations.orgId, actor.orgId) : sql`false`;
}

/**
 * Filters a list by an integration only if the actor can see that integration: an invisible one answers
 * exactly like a missing id (an empty list), so a customer user cannot learn which integration ids exist.
 */
export function byVisibleIntegration(actor: Actor, column: AnyColumn, integrationId: string): SQL {
  const visible = and(visibleIntegrations(actor), eq(integrations.id, integrationId));
  return sql`${column} in (select ${integrations.id} from ${integrations} where ${visible})`;
}

export async function getIntegration(db: DbOrTx, actor: Actor, id: string): Promise<Integration> {
  const [row] = await db
    .select()
    .from(integrations)
    .where(and(visibleIntegrations(actor), eq(integrations.id, id)));
  if (!row) throw new NotFoundError();
  return row;
}

/** Loads many by id for dataloaders, in no particular order; ids the actor may not see are absent. */
export async function getIntegrationsByIds(db: DbOrTx, actor: Actor, ids: readonly string[]): Promise<Integration[]> {
  if (ids.length === 0) return [];
  return db
    .select()
    .from(integrations)
    .where(and(visibleIntegrations(actor), inArray(integrations.id, [...ids])));
}

const sortColumns = {
  NAME: integrations.name,
  CREATED_AT: integrations.createdAt,
  UPDATED_AT: integrations.updatedAt,
  VERSION_NUMBER: integrations.versionNumber,
} satisfies Record<IntegrationSortField, unknown>;

export async function listIntegrations(
  db: DbOrTx,
  actor: Actor,
  filter: IntegrationFilter,
  sort: Sort<IntegrationSortField>[],
  page: Page,
): Promise<PageResult<Integration>> {
  const conditions: SQL[] = [visibleIntegrations(actor)];
  if (filter.name != null) conditions.push(eq(integrations.name, filter.name));
  if (filter.nameIcontains != null) conditions.push(ilike(integrations.name, `%${escapeLike(filter.nameIcontains)}%`));
  if (filter.stableKey != null) conditions.push(eq(integrations.stableKey, filter.stableKey));
  if (filter.customerId != null) conditions.push(eq(integrations.customerId, filter.customerId));
  if (filter.customerIsNull != null) conditions.push(filter.customerIsNull ? isNull(integrations.customerId) : isNotNull(integrations.customerId));
  if (filter.versionIsAvailable != null) {
    const available = sql`exists (select 1 from ${integrationVersions} where ${integrationVersions.integrationId} = ${integrations.id} and ${integrationVersions.isAvailable})`;
    conditions.push(filter.versionIsAvailable ? available : sql`not ${available}`);
  }
  return selectPage(db, integrations, and(...conditions), { sort, columns: sortColumns, fallback: [asc(integrations.createdAt)], page });
}

/** What checking a definition found: errors stop an import, warnings (`<path>: <message>`) do not. */
export type DefinitionCheck = { errors: DefinitionError[]; warnings: string[] };

/** The same checks as an import, without writing: every problem, each `{ path, message }`. */
export async function validateIntegrationDefinition(db: DbOrTx, actor: Actor, text: string): Promise<DefinitionCheck> {
  requireOrgUser(actor, 'validate integration definitions');
  const checked = await checkDefinitionText(db, actor, text);
  if (!checked.ok) return { errors: checked.errors, warnings: [] };
  return { errors: [], warnings: definitionMessages(await definitionWarnings(db, actor, checked.value)) };
}

/**
 * Creates an integration from a definition, or replaces the draft definition of an existing one: the one
 * named by `integrationId`, else the one with the definition's `stableKey`. Matching by stable key makes
 * syncing an integration from another tenant (dev→prod, US→EU) idempotent; published versions stay as
 * they are until the next publish. `customerId` makes a new integration customer-specific; an existing one
 * keeps its owner, whatever the import says.
 */
export async function importIntegration(
  db: DbOrTx,
  vault: Vault,
  actor: Actor,
  input: ImportIntegrationInput,
): Promise<{ integration: Integration; warnings: string[] }> {
  const target = input.integrationId ? await getIntegration(db, actor, input.integrationId) : null;
  requireOrgAdmin(actor, 'import integrations');
  const ownerErrors = new FieldErrors();
  const customerId = await ownerToSet(db, actor, input.customerId, ownerErrors);
  ownerErrors.throwIfAny();
  const checked = await checkDefinitionText(db, actor, input.definition);
  if (!checked.ok) throw new InvalidInputError([{ field: 'definition', messages: definitionMessages(checked.errors) }]);
  const definition = checked.value;
  const warnings = definitionMessages(await definitionWarnings(db, actor, definition));
  // The draft and its test instance's flow configs change together: a new flow is testable at once.
  const integration = await db.transaction(async (tx) => {
    const row = await storeImport(tx, actor, definition, target, customerId);
    await ensureSystemInstance(tx, vault, row);
    return row;
  });
  return { integration, warnings };
}

async function storeImport(
  db: DbOrTx,
  actor: Actor,
  definition: IntegrationDefinition,
  target: Integration | null,
  customerId: string | null,
): Promise<Integration> {
  const fields = {
    name: definition.name,
    description: definition.description ?? null,
    stableKey: definition.stableKey ?? null,
    definition,
  };

  try {
    if (target) {
      const [row] = await db
        .update(integrations)
        .set({ ...fields, updatedAt: new Date() })
        .where(and(eq(integrations.orgId, actor.orgId), eq(integrations.id, target.id)))
        .returning();
      if (!row) throw new NotFoundError();
      return row;
    }
    const insert = db.insert(integrations).values({ orgId: actor.orgId, customerId, ...fields });
    // One statement on the (org, stable key) unique index, so concurrent imports of one key leave one row.
    const [row] = definition.stableKey
      ? await insert
          .onConflictDoUpdate({
            target: [integrations.orgId, integrations.stableKey],
            targetWhere: sql`stable_key is not null`,
            set: { name: fields.name, description: fields.description, definition, updatedAt: sql`now()` },
          })
          .returning()
      : await insert.returning();
    return row!;
  } catch (error) {
    if (uniqueViolation(error) === 'integrations_org_stable_key') {
      throw invalid('definition', `stableKey: another integration of this organization has the stable key "${definition.stableKey}"`);
    }
    throw error;
  }
}

/** Deletes an integration, its versions and its test instance; refused while instances of it exist, which would go with it. */
export async function deleteIntegration(db: DbOrTx, actor: Actor, id: string): Promise<Integration> {
  const existing = await getIntegration(db, actor, id);
  requireOrgAdmin(actor, 'delete integrations');
  const [used] = await db
    .select({ n: count() })
    .from(instances)
    .where(and(eq(instances.orgId, actor.orgId), eq(instances.integrationId, existing.id), eq(instances.isSystem, false)));
  if ((used?.n ?? 0) > 0) {
    throw invalid('id', `This integration has ${used!.n} instance(s); delete them first.`);
  }
  await db.delete(integrations).where(and(eq(integrations.orgId, actor.orgId), eq(integrations.id, existing.id)));
  return existing;
}

/**
 * The definition instances configure against: the latest published version, or the draft while nothing is
 * published. Loaded without an actor: callers have already checked that the caller may see the instance.
 */
export async function configDefinitionsOf(db: DbOrTx, integrationIds: readonly string[]): Promise<Map<string, ConfigDefinition>> {
  const result = new Map<string, ConfigDefinition>();
  if (integrationIds.length === 0) return result;
  const ids = [...new Set(integrationIds)];
  const [drafts, latest] = await Promise.all([
    db.select().from(integrations).where(inArray(integrations.id, ids)),
    db
      .selectDistinctOn([integrationVersions.integrationId])
      .from(integrationVersions)
      .where(inArray(integrationVersions.integrationId, ids))
      .orderBy(integrationVersions.integrationId, desc(integrationVersions.versionNumber)),
  ]);
  for (const integration of drafts) {
    const version = latest.find((v) => v.integrationId === integration.id) ?? null;
    result.set(integration.id, { integration, latestVersion: version, definition: version?.definition ?? integration.definition });
  }
  return result;
}

export type ConfigDefinition = {
  integration: Integration;
  latestVersion: typeof integrationVersions.$inferSelect | null;
  definition: IntegrationDefinition;
};
