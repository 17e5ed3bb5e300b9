import { and, asc, count, eq, isNull } from 'drizzle-orm';
import { uniqueViolation } from '../../db/errors';
import type { DbOrTx } from '../../db/client';
import { users, type UserRole } from '../../db/tables';
import { requireOrgAdmin, requireOrgUser, type Actor } from '../actor';
import { getCustomer } from '../customers/customers';
import { FieldErrors, invalid } from '../errors';
import type { Page, PageResult } from '../pagination';
import { CUSTOMER_ROLES, ORGANIZATION_ROLES, type Role } from './roles';
import type { User } from './users';

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
  const role = roles.find((r) => r.key === input.role);
  if (!role) errors.add('role', `Must be one of: ${roles.map((r) => r.key).join(', ')}.`);
  return { name, email, role: role?.key ?? 'member' };
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

export async function createCustomerUser(db: DbOrTx, actor: Actor, input: NewUser & { customerId: string }): Promise<User> {
  requireOrgAdmin(actor, 'create customer users');
  const errors = new FieldErrors();
  const user = validated(input, CUSTOMER_ROLES, errors);
  errors.throwIfAny();
  const customer = await getCustomer(db, actor, input.customerId);
  return insertUser(db, { orgId: actor.orgId, customerId: customer.id, ...user });
}
