import { and, asc, eq, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { organizations, users } from '../../db/tables';
import type { Actor } from '../actor';
import { invalid } from '../errors';

/**
 * Operator access (whoever can reach the database, i.e. the `tenantflow` command): picks an admin user to
 * act as. With one organization nothing needs to be named; with several, `org` (id or exact name) decides.
 */
export async function findAdmin(db: DbOrTx, selector: { org?: string; email?: string }): Promise<Actor & { email: string | null; orgName: string }> {
  const conditions: SQL[] = [eq(users.role, 'admin')];
  if (selector.org) {
    const isUuid = /^[0-9a-f-]{36}$/i.test(selector.org);
    conditions.push(isUuid ? eq(organizations.id, selector.org) : eq(organizations.name, selector.org));
  }
  if (selector.email) conditions.push(eq(users.email, selector.email));
  const rows = await db
    .select({ orgId: organizations.id, orgName: organizations.name, userId: users.id, email: users.email })
    .from(users)
    .innerJoin(organizations, eq(organizations.id, users.orgId))
    .where(and(...conditions))
    .orderBy(asc(users.createdAt));
  const orgIds = new Set(rows.map((row) => row.orgId));
  if (rows.length === 0) throw invalid(selector.org ? 'org' : 'email', 'No admin user matches; check --org and --email.');
  if (orgIds.size > 1) throw invalid('org', `Several organizations exist; name one with --org (${[...new Set(rows.map((r) => r.orgName))].join(', ')}).`);
  const admin = rows[0]!;
  return { orgId: admin.orgId, userId: admin.userId, role: 'admin', customerId: null, email: admin.email, orgName: admin.orgName };
}
