import { and, eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { users } from '../../db/tables';
import { decodeGlobalId } from '../../lib/global-id';
import { isOrgUser, type Actor } from '../actor';
import { invalid } from '../errors';

export type ActingUserUser = { id: string; name: string; customerId: string | null };

/**
 * The acting user a caller names for a non-interactive run: a User id, or an embedded user's external id
 * (the JWT's `sub`) within the run's customer. Only organization users may name someone else, and a
 * customer's user may act only in runs of that customer, so no one can make a run of customer B use the
 * credential of a user of customer A.
 */
export async function resolveActingUser(db: DbOrTx, actor: Actor, reference: string, runCustomerId: string | null, field = 'actingUser'): Promise<string> {
  const decoded = decodeGlobalId(reference);
  const byId = decoded?.typeName === 'User' ? eq(users.id, decoded.id) : null;
  const byExternalId = runCustomerId ? and(eq(users.externalId, reference), eq(users.customerId, runCustomerId)) : null;
  const where = byId ?? byExternalId;
  const [user] = where
    ? await db
        .select()
        .from(users)
        .where(and(eq(users.orgId, actor.orgId), where))
    : [];
  if (!user) throw invalid(field, 'No user of this organization has this id (or, for an embedded user, this external id within the run’s customer).');
  if (user.id !== actor.userId && !isOrgUser(actor)) throw invalid(field, 'Customer users can only run flows as themselves.');
  if (user.customerId !== null && user.customerId !== runCustomerId) throw invalid(field, "The user belongs to another customer than the run's.");
  return user.id;
}

/** The signed-in caller as a run's acting user: refused for a customer user on another customer's run. */
export function callerMayAct(actor: Actor, runCustomerId: string | null): boolean {
  return actor.customerId === null || actor.customerId === runCustomerId;
}
