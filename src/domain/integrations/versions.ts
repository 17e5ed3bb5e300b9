import { and, asc, count, desc, eq, inArray, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { integrations, integrationVersions } from '../../db/tables';
import { isOrgUser, requireOrgAdmin, type Actor } from '../actor';
import { invalid, NotFoundError } from '../errors';
import type { Page, PageResult, SortDirection } from '../pagination';
import { requireFlows } from './integration-edits';
import { getIntegration, type Integration } from './integrations';

/** A published version: a frozen copy of the draft definition, numbered 1, 2, 3 … per integration. */
export type IntegrationVersion = typeof integrationVersions.$inferSelect;

const visibleVersions = (actor: Actor) => (isOrgUser(actor) ? eq(integrationVersions.orgId, actor.orgId) : sql`false`);

/**
 * Publishes the draft as the next version. The integration row is locked for the transaction, so
 * concurrent publishes queue and number their versions one after another (the unique index on
 * (integration, number) backs this up).
 */
export async function publishIntegration(
  db: DbOrTx,
  actor: Actor,
  id: string,
  input: { comment?: string | null; attributes?: string | null },
): Promise<IntegrationVersion> {
  const draft = await getIntegration(db, actor, id);
  requireOrgAdmin(actor, 'publish integrations');
  requireFlows(draft);
  const attributes = input.attributes == null || input.attributes === '' ? null : parseAttributes(input.attributes);
  return db.transaction(async (tx) => {
    const [integration] = await tx
      .select()
      .from(integrations)
      .where(and(eq(integrations.orgId, actor.orgId), eq(integrations.id, id)))
      .for('update');
    if (!integration) throw new NotFoundError();
    const versionNumber = integration.versionNumber + 1;
    const [version] = await tx
      .insert(integrationVersions)
      .values({
        orgId: actor.orgId,
        integrationId: integration.id,
        versionNumber,
        definition: integration.definition,
        comment: input.comment ?? null,
        attributes,
        publishedBy: actor.userId,
      })
      .returning();
    await tx.update(integrations).set({ versionNumber }).where(eq(integrations.id, integration.id));
    return version!;
  });
}

/** prism sends a JSON object (commitHash, commitUrl, repoUrl, pullRequestUrl); anything else would read back as noise. */
function parseAttributes(text: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalid('attributes', 'Must be a JSON object, e.g. {"commitUrl": "https://…"}.');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw invalid('attributes', 'Must be a JSON object, e.g. {"commitUrl": "https://…"}.');
  return parsed as Record<string, unknown>;
}

/** Withdraws a version from new deploys (or offers it again); instances already running it keep it. */
export async function updateIntegrationVersionAvailability(db: DbOrTx, actor: Actor, versionId: string, available: boolean): Promise<IntegrationVersion> {
  const existing = await getIntegrationVersion(db, actor, versionId);
  requireOrgAdmin(actor, 'change version availability');
  const [row] = await db
    .update(integrationVersions)
    .set({ isAvailable: available })
    .where(and(eq(integrationVersions.orgId, actor.orgId), eq(integrationVersions.id, existing.id)))
    .returning();
  if (!row) throw new NotFoundError();
  return row;
}

export async function getIntegrationVersion(db: DbOrTx, actor: Actor, versionId: string): Promise<IntegrationVersion> {
  const [row] = await db
    .select()
    .from(integrationVersions)
    .where(and(visibleVersions(actor), eq(integrationVersions.id, versionId)));
  if (!row) throw new NotFoundError();
  return row;
}

export async function getIntegrationVersionsByIds(db: DbOrTx, actor: Actor, ids: readonly string[]): Promise<IntegrationVersion[]> {
  if (ids.length === 0) return [];
  return db
    .select()
    .from(integrationVersions)
    .where(and(visibleVersions(actor), inArray(integrationVersions.id, [...ids])));
}

/** The highest published version that is available, or null when none is (never published, or all withdrawn). */
export async function latestAvailableVersion(db: DbOrTx, actor: Actor, integrationId: string): Promise<IntegrationVersion | null> {
  const [row] = await db
    .select()
    .from(integrationVersions)
    .where(and(visibleVersions(actor), eq(integrationVersions.integrationId, integrationId), eq(integrationVersions.isAvailable, true)))
    .orderBy(desc(integrationVersions.versionNumber))
    .limit(1);
  return row ?? null;
}

export async function integrationVersionByNumber(db: DbOrTx, actor: Actor, integrationId: string, versionNumber: number): Promise<IntegrationVersion | null> {
  const [row] = await db
    .select()
    .from(integrationVersions)
    .where(and(visibleVersions(actor), eq(integrationVersions.integrationId, integrationId), eq(integrationVersions.versionNumber, versionNumber)));
  return row ?? null;
}

/** Published versions, newest first unless `direction` is ASC; only those with `isAvailable` when it is given. */
export async function listIntegrationVersions(
  db: DbOrTx,
  actor: Actor,
  integrationId: string,
  page: Page,
  options: { direction?: SortDirection; isAvailable?: boolean | null } = {},
): Promise<PageResult<IntegrationVersion>> {
  const direction = options.direction ?? 'DESC';
  const where = and(
    visibleVersions(actor),
    eq(integrationVersions.integrationId, integrationId),
    options.isAvailable == null ? undefined : eq(integrationVersions.isAvailable, options.isAvailable),
  );
  const order = direction === 'ASC' ? asc(integrationVersions.versionNumber) : desc(integrationVersions.versionNumber);
  const [rows, [total]] = await Promise.all([
    db.select().from(integrationVersions).where(where).orderBy(order).limit(page.limit).offset(page.offset),
    db.select({ n: count() }).from(integrationVersions).where(where),
  ]);
  return { rows, totalCount: total?.n ?? 0 };
}

/**
 * The version an instance given an IntegrationVersion id (Prismatic's createInstance takes either id) is
 * deployed to. Deploys always take the latest available version, so an older one, or a withdrawn one, is
 * an error naming `field` rather than a silent swap.
 */
export async function requireLatestAvailableVersion(db: DbOrTx, actor: Actor, versionId: string, field: string): Promise<IntegrationVersion> {
  const version = await getIntegrationVersion(db, actor, versionId).catch((error: unknown) => {
    throw error instanceof NotFoundError ? invalid(field, 'Record not found.') : error;
  });
  if (!version.isAvailable) {
    throw invalid(field, `Version ${version.versionNumber} is unavailable (withdrawn with updateIntegrationVersionAvailability): choose an available one.`);
  }
  const latest = await latestAvailableVersion(db, actor, version.integrationId);
  if (latest && latest.id !== version.id) {
    throw invalid(
      field,
      `Instances deploy the latest available version (${latest.versionNumber}), not version ${version.versionNumber}: pass that version or the integration.`,
    );
  }
  return version;
}

/**
 * What deployInstance deploys for each integration: its latest version not withdrawn. Loaded without an actor:
 * callers have already scoped the ids to the organization.
 */
export async function latestAvailableVersionsOf(db: DbOrTx, integrationIds: readonly string[]): Promise<Map<string, IntegrationVersion>> {
  if (integrationIds.length === 0) return new Map();
  const rows = await db
    .selectDistinctOn([integrationVersions.integrationId])
    .from(integrationVersions)
    .where(and(inArray(integrationVersions.integrationId, [...integrationIds]), eq(integrationVersions.isAvailable, true)))
    .orderBy(integrationVersions.integrationId, desc(integrationVersions.versionNumber));
  return new Map(rows.map((row) => [row.integrationId, row]));
}

/** A published integration whose every version is withdrawn cannot take new instances: `field` says so. */
export async function requireDeployableIntegration(db: DbOrTx, actor: Actor, integration: Integration, field: string): Promise<void> {
  if (integration.versionNumber === 0) return;
  if (!(await latestAvailableVersion(db, actor, integration.id))) {
    throw invalid(
      field,
      'Every published version of this integration is unavailable: make one available (updateIntegrationVersionAvailability) or publish a new one.',
    );
  }
}
