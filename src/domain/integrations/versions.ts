import { and, asc, count, desc, eq, inArray, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { integrations, integrationVersions } from '../../db/tables';
import { isOrgUser, requireOrgAdmin, type Actor } from '../actor';
import { NotFoundError } from '../errors';
import type { Page, PageResult, SortDirection } from '../pagination';
import { requireFlows } from './integration-edits';
import { getIntegration } from './integrations';

/** A published version: a frozen copy of the draft definition, numbered 1, 2, 3 … per integration. */
export type IntegrationVersion = typeof integrationVersions.$inferSelect;

const visibleVersions = (actor: Actor) => (isOrgUser(actor) ? eq(integrationVersions.orgId, actor.orgId) : sql`false`);

/**
 * Publishes the draft as the next version. The integration row is locked for the transaction, so
 * concurrent publishes queue and number their versions one after another (the unique index on
 * (integration, number) backs this up).
 */
export async function publishIntegration(db: DbOrTx, actor: Actor, id: string, input: { comment?: string | null }): Promise<IntegrationVersion> {
  const draft = await getIntegration(db, actor, id);
  requireOrgAdmin(actor, 'publish integrations');
  requireFlows(draft);
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
        publishedBy: actor.userId,
      })
      .returning();
    await tx.update(integrations).set({ versionNumber }).where(eq(integrations.id, integration.id));
    return version!;
  });
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

/** The highest published version, or null while the integration has never been published. */
export async function latestIntegrationVersion(db: DbOrTx, actor: Actor, integrationId: string): Promise<IntegrationVersion | null> {
  const [row] = await db
    .select()
    .from(integrationVersions)
    .where(and(visibleVersions(actor), eq(integrationVersions.integrationId, integrationId)))
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

/** Published versions, newest first. */
/** Newest first unless `direction` is ASC. */
export async function listIntegrationVersions(
  db: DbOrTx,
  actor: Actor,
  integrationId: string,
  page: Page,
  direction: SortDirection = 'DESC',
): Promise<PageResult<IntegrationVersion>> {
  const where = and(visibleVersions(actor), eq(integrationVersions.integrationId, integrationId));
  const order = direction === 'ASC' ? asc(integrationVersions.versionNumber) : desc(integrationVersions.versionNumber);
  const [rows, [total]] = await Promise.all([
    db.select().from(integrationVersions).where(where).orderBy(order).limit(page.limit).offset(page.offset),
    db.select({ n: count() }).from(integrationVersions).where(where),
  ]);
  return { rows, totalCount: total?.n ?? 0 };
}
