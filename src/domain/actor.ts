import type { UserRole } from '../db/tables';
import { ForbiddenError } from './errors';

/** Who is calling. Passed explicitly to every domain function; there is no ambient "current organization". */
export type Actor = {
  orgId: string;
  userId: string;
  role: UserRole;
  /** Set for customer users: they only ever see this customer. */
  customerId: string | null;
};

export const isOrgUser = (actor: Actor) => actor.role === 'admin' || actor.role === 'member';

export function requireOrgUser(actor: Actor, action: string) {
  if (!isOrgUser(actor)) throw new ForbiddenError(action);
}

/** Members (of the organization or of a customer) only read; admins also write within what they see. */
export const isAdmin = (actor: Actor) => actor.role === 'admin' || actor.role === 'customer_admin';

export function requireAdmin(actor: Actor, action: string) {
  if (!isAdmin(actor)) throw new ForbiddenError(action);
}

export function requireOrgAdmin(actor: Actor, action: string) {
  if (actor.role !== 'admin') throw new ForbiddenError(action);
}

/**
 * The organization itself, as the execution engine acts for it: sees all of the organization's data and
 * nothing of any other. Never reaches the API.
 */
export const systemActor = (orgId: string): Actor => ({ orgId, userId: '00000000-0000-0000-0000-000000000000', role: 'admin', customerId: null });
