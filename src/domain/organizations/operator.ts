import { and, asc, count, eq, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { organizations, users } from '../../db/tables';
import type { Actor } from '../actor';
import { invalid } from '../errors';
import type { Organization } from './organizations';

// Operator access (whoever can reach the database, i.e. the `tenantflow` command) names organizations by id
// or by exact name, and acts through an admin user of the organization, so the domain's permission checks apply.

const isUuid = (value: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);

const orgMatches = (org: string): SQL => (isUuid(org) ? eq(organizations.id, org) : eq(organizations.name, org));

/** Every organization with its number of users, oldest first. */
export async function listOrganizations(db: DbOrTx): Promise<(Organization & { userCount: number })[]> {
  const rows = await db
    .select({ org: organizations, userCount: count(users.id) })
    .from(organizations)
    .leftJoin(users, eq(users.orgId, organizations.id))
    .groupBy(organizations.id)
    .orderBy(asc(organizations.createdAt), asc(organizations.id));
  return rows.map((row) => ({ ...row.org, userCount: row.userCount }));
}

/**
 * Picks an admin user to act as. With one organization nothing needs to be named; with several, `org`
 * (id or exact name) decides; `email` picks one admin (default: the first).
 */
export async function findAdmin(db: DbOrTx, selector: { org?: string; email?: string }): Promise<Actor & { email: string | null; orgName: string }> {
  const conditions: SQL[] = [eq(users.role, 'admin')];
  if (selector.org) conditions.push(orgMatches(selector.org));
  if (selector.email) conditions.push(eq(users.email, selector.email));
  const rows = await db
    .select({ orgId: organizations.id, orgName: organizations.name, userId: users.id, email: users.email })
    .from(users)
    .innerJoin(organizations, eq(organizations.id, users.orgId))
    .where(and(...conditions))
    .orderBy(asc(users.createdAt));
  const orgIds = new Set(rows.map((row) => row.orgId));
  if (rows.length === 0)
    throw invalid(selector.org ? 'org' : 'email', 'No admin user matches; check --org and --email (`tenantflow org list` shows the organizations).');
  if (orgIds.size > 1) {
    const names = [...new Set(rows.map((row) => `${row.orgName} (${row.orgId})`))].join(', ');
    throw invalid(
      'org',
      selector.org
        ? `Several organizations are named "${selector.org}"; name one by id: ${names}.`
        : `Several organizations exist; name one with --org: ${names}.`,
    );
  }
  const admin = rows[0]!;
  return { orgId: admin.orgId, userId: admin.userId, role: 'admin', customerId: null, email: admin.email, orgName: admin.orgName };
}
