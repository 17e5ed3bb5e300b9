import { and, asc, count, eq, isNull } from 'drizzle-orm';
import { uniqueViolation } from '../../db/errors';
import type { DbOrTx } from '../../db/client';
import { users, type UserRole } from '../../db/tables';
import { requireAdmin, requireOrgAdmin, requireOrgUser, type Actor } from '../actor';
import { getCustomer } from '../customers/customers';
import { FieldErrors, invalid, NotFoundError } from '../errors';
import type { Page, PageResult } from '../pagination';
import { CUSTOMER_ROLES, ORGANIZATION_ROLES, type Role } from './roles';
import { getUsersByIds, type User } from './users';

export type NewUser = { name?: string | null; email: string; role: string };

const EMAIL = /^[^\s@]+@[^\s@]+$/;

async function page(db: DbOrTx, where: ReturnType<typeof and>, window: Page): Promise<PageResult<User>> {
  const [rows, [total]] = await Promise.all([
    db.select().from(users).where(where).orderBy(asc(users.createdAt), asc(users.id)).offset(window.offset).limit(window.limit),
    db.select({ n: count() }).from(users).where(where),
  ]);
  return { rows, totalCount: total?.n ?? 0 };
}

/** The organization's own users (not its customers' users); organization users only. */
export async function listOrganizationUsers(db: DbOrTx, actor: Actor, window: Page) {
  requireOrgUser(actor, 'list the organization users');
  return page(db, and(eq(users.orgId, actor.orgId), isNull(users.customerId)), window);
}

/** One customer's users; a customer user sees only its own customer's. */
export async function listCustomerUsers(db: DbOrTx, actor: Actor, customerId: string, window: Page) {
  await getCustomer(db, actor, customerId);
  return page(db, and(eq(users.orgId, actor.orgId), eq(users.customerId, customerId)), window);
}

function validated(input: NewUser, roles: readonly Role[], errors: FieldErrors): { name: string; email: string; role: UserRole } {
  const email = input.email?.trim() ?? '';
  if (!email) errors.add('email', 'This field is required.');
  else if (!EMAIL.test(email) || email.length > 254) errors.add('email', 'Must be an e-mail address.');
  const name = input.name?.trim() || email;
  if (name.length > 200) errors.add('name', 'Must be at most 200 characters.');
  const role = roleFrom(roles, input.role, errors);
  return { name, email, role: role?.key ?? 'member' };
}

function roleFrom(roles: readonly Role[], key: string, errors: FieldErrors): Role | undefined {
  const role = roles.find((r) => r.key === key);
  if (!role) errors.add('role', `Must be one of: ${roles.map((r) => r.key).join(', ')}.`);
  return role;
}

async function insertUser(db: DbOrTx, values: typeof users.$inferInsert): Promise<User> {
  try {
    const [row] = await db.insert(users).values(values).returning();
    return row!;
  } catch (error) {
    if (uniqueViolation(error) === 'users_org_email_key') {
      throw invalid('email', 'A user with this e-mail already exists in this organization.');
    }
    throw error;
  }
}

export async function createOrganizationUser(db: DbOrTx, actor: Actor, input: NewUser): Promise<User> {
  requireOrgAdmin(actor, 'create organization users');
  const errors = new FieldErrors();
  const user = validated(input, ORGANIZATION_ROLES, errors);
  errors.throwIfAny();
  return insertUser(db, { orgId: actor.orgId, customerId: null, ...user });
}

/** Organization admins add users to any customer; a customer admin only to its own customer (as in Prismatic). */
export async function createCustomerUser(db: DbOrTx, actor: Actor, input: NewUser & { customerId: string }): Promise<User> {
  requireAdmin(actor, 'create customer users');
  const errors = new FieldErrors();
  const user = validated(input, CUSTOMER_ROLES, errors);
  errors.throwIfAny();
  const customer = await getCustomer(db, actor, input.customerId);
  return insertUser(db, { orgId: actor.orgId, customerId: customer.id, ...user });
}

export type UserChanges = { name?: string | null; role?: string | null };

/**
 * Renames a user or gives it another role of its kind (organization or customer roles). Organization users
 * are changed by organization admins only; a customer's users also by that customer's admins. Nobody changes
 * their own role, so the last admin cannot lock everyone out.
 */
export async function updateUser(db: DbOrTx, actor: Actor, userId: string, changes: UserChanges): Promise<User> {
  const [target] = await getUsersByIds(db, actor, [userId]);
  if (!target) throw new NotFoundError();
  if (target.customerId === null) requireOrgAdmin(actor, 'change organization users');
  else requireAdmin(actor, 'change customer users');
  const errors = new FieldErrors();
  const set: Partial<Pick<User, 'name' | 'role'>> = {};
  if (changes.name != null) {
    set.name = changes.name.trim();
    if (!set.name) errors.add('name', 'Must not be empty.');
    else if (set.name.length > 200) errors.add('name', 'Must be at most 200 characters.');
  }
  if (changes.role != null) {
    const role = roleFrom(target.customerId === null ? ORGANIZATION_ROLES : CUSTOMER_ROLES, changes.role, errors);
    if (role && target.id === actor.userId && role.key !== target.role) errors.add('role', 'You cannot change your own role.');
    else if (role) set.role = role.key;
  }
  errors.throwIfAny();
  if (Object.keys(set).length === 0) return target;
  const [row] = await db.update(users).set(set).where(eq(users.id, target.id)).returning();
  return row!;
}

/**
 * Removes a user, with the same permissions as changing one. Their API tokens and user authentications go
 * with them; executions they started keep running without an acting user. Nobody deletes themselves, so the
 * last admin cannot lock everyone out.
 */
export async function deleteUser(db: DbOrTx, actor: Actor, userId: string): Promise<User> {
  const [target] = await getUsersByIds(db, actor, [userId]);
  if (!target) throw new NotFoundError();
  if (target.customerId === null) requireOrgAdmin(actor, 'delete organization users');
  else requireAdmin(actor, 'delete customer users');
  if (target.id === actor.userId) throw invalid('id', 'You cannot delete yourself.');
  await db.delete(users).where(eq(users.id, target.id));
  return target;
}
