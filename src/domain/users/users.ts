import { and, eq, inArray, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { users } from '../../db/tables';
import type { Actor } from '../actor';
import { NotFoundError } from '../errors';

export type User = typeof users.$inferSelect;

function visibleUsers(actor: Actor): SQL {
  const inOrg = eq(users.orgId, actor.orgId);
  return actor.customerId ? and(inOrg, eq(users.customerId, actor.customerId))! : inOrg;
}

export async function getUsersByIds(db: DbOrTx, actor: Actor, ids: readonly string[]): Promise<User[]> {
  if (ids.length === 0) return [];
  return db
    .select()
    .from(users)
    .where(and(visibleUsers(actor), inArray(users.id, [...ids])));
}

export async function getAuthenticatedUser(db: DbOrTx, actor: Actor): Promise<User> {
  const [user] = await getUsersByIds(db, actor, [actor.userId]);
  if (!user) throw new NotFoundError();
  return user;
}
