import { count, eq } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../db/client';
import { organizations, users } from '../../db/tables';
import type { Actor } from '../actor';
import { FieldErrors, invalid, NotFoundError } from '../errors';
import { issueApiToken } from '../auth/api-tokens';

export type Organization = typeof organizations.$inferSelect;

export async function getOrganization(db: DbOrTx, actor: Actor): Promise<Organization> {
  const [org] = await db.select().from(organizations).where(eq(organizations.id, actor.orgId));
  if (!org) throw new NotFoundError();
  return org;
}

/** Creates an organization with its first admin user, who can then create everything else. */
export async function createOrganization(db: Db, input: { name: string; adminName: string; adminEmail: string }): Promise<{ org: Organization; admin: Actor }> {
  const errors = new FieldErrors();
  if (!input.name.trim()) errors.add('name', 'This field is required.');
  if (!/^[^@\s]+@[^@\s]+$/.test(input.adminEmail)) errors.add('adminEmail', 'Must be an email address.');
  errors.throwIfAny();
  return db.transaction(async (tx) => {
    // Operators name organizations by name (`tenantflow --org`), so a name names one.
    const [taken] = await tx.select({ id: organizations.id }).from(organizations).where(eq(organizations.name, input.name.trim()));
    if (taken) throw invalid('name', 'An organization with this name already exists.');
    const [org] = await tx.insert(organizations).values({ name: input.name.trim() }).returning();
    const [admin] = await tx.insert(users).values({ orgId: org!.id, role: 'admin', name: input.adminName, email: input.adminEmail }).returning();
    return { org: org!, admin: { orgId: org!.id, userId: admin!.id, role: 'admin', customerId: null } };
  });
}

// Any fixed number: two servers starting on one empty database must not both create a default organization.
const BOOTSTRAP_LOCK = 727_002;

/**
 * On the first start of an empty database, creates a default organization and returns an admin token for it,
 * so a newcomer can call the API without reading any code. Returns null when organizations already exist.
 */
export async function bootstrapDefaultOrganization(db: Db): Promise<{ org: Organization; token: string } | null> {
  return db.transaction(async (tx) => {
    await tx.execute(`select pg_advisory_xact_lock(${BOOTSTRAP_LOCK})`);
    const [existing] = await tx.select({ n: count() }).from(organizations);
    if ((existing?.n ?? 0) > 0) return null;
    const [org] = await tx.insert(organizations).values({ name: 'Default organization' }).returning();
    const [admin] = await tx.insert(users).values({ orgId: org!.id, role: 'admin', name: 'Admin', email: 'admin@localhost' }).returning();
    const { token } = await issueApiToken(tx, { orgId: org!.id, userId: admin!.id, name: 'first-start admin token' });
    return { org: org!, token };
  });
}
