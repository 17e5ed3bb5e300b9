import { and, eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { users } from '../../db/tables';
import { decodeGlobalId } from '../../lib/global-id';
import { isOrgUser, type Actor } from '../actor';
import { invalid } from '../errors';

/**
 * The acting user a caller names for a non-interactive run: a User id, or an embedded user's external id
 * (the JWT's `sub`) within the run's customer. Only organization users may name someone else, and a
 * customer's user may act only in runs of that customer, so no one can make a run of customer B use the
 * credential of a user of customer A.
 */
export async function resolveActingUser(db: DbOrTx, actor: Actor, reference: string, runCustomerId: string | null): Promise<string> {
  const found = await findActingUser(db, actor.orgId, reference, runCustomerId);
  if (typeof found === 'string') throw invalid('actingUser', found);
  if (found.id !== actor.userId && !isOrgUser(actor)) throw invalid('actingUser', 'Customer users can only run flows as themselves.');
  return found.id;
}

/** The user a reference names for a run of `runCustomerId`, or why it names none. */
export async function findActingUser(db: DbOrTx, orgId: string, reference: string, runCustomerId: string | null): Promise<{ id: string } | string> {
  const decoded = decodeGlobalId(reference);
  const byId = decoded?.typeName === 'User' ? eq(users.id, decoded.id) : null;
  const byExternalId = runCustomerId ? and(eq(users.externalId, reference), eq(users.customerId, runCustomerId)) : null;
  const where = byId ?? byExternalId;
  const [user] = where
    ? await db
        .select()
        .from(users)
        .where(and(eq(users.orgId, orgId), where))
    : [];
  if (!user) return 'No user of this organization has this id (or, for an embedded user, this external id within the run’s customer).';
  if (user.customerId !== null && user.customerId !== runCustomerId) return "The user belongs to another customer than the run's.";
  return { id: user.id };
}

/** The signed-in caller as a run's acting user: refused for a customer user on another customer's run. */
export function callerMayAct(actor: Actor, runCustomerId: string | null): boolean {
  return actor.customerId === null || actor.customerId === runCustomerId;
}
