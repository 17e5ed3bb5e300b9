import { and, eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { userAuthentications } from '../../db/tables';
import type { Actor } from '../actor';
import { getScopedConfigVariable } from '../connections/scoped-config-variables';
import { invalid } from '../errors';
import { findInlineConnection } from '../oauth2/holders';
import { inlineConnectionRef, scopedConnectionRef, type UserAuthenticationConnection } from './connection-refs';

/** The row columns naming a connection the caller may see, refused unless it has user authentications enabled. */
export async function enabledConnection(db: DbOrTx, actor: Actor, connection: UserAuthenticationConnection) {
  if (connection.kind === 'scoped') {
    const scv = await getScopedConfigVariable(db, actor, connection.scopedConfigVariableId);
    if (!scv.userAuthentication?.enabled) throw invalid('connection', `Connection "${scv.key}" does not have user authentications enabled.`);
    return { connectionRef: scopedConnectionRef(scv.id), scopedConfigVariableId: scv.id };
  }
  const { instance, configVar } = await findInlineConnection(db, actor, connection.instanceId, connection.configVariableKey);
  if (!configVar.userAuthentication?.enabled) {
    throw invalid('configVariableKey', `Connection "${configVar.key}" of this instance does not have user authentications enabled.`);
  }
  return { connectionRef: inlineConnectionRef(instance.id, configVar.key), instanceId: instance.id, configVariableKey: configVar.key };
}

/**
 * The id of the signed-in user's authentication on a connection, created on first use. Only the OAuth 2.0
 * callback creates one (with the tokens it stores): starting an authorization writes nothing.
 */
export async function ensureUserAuthentication(db: DbOrTx, actor: Actor, connection: UserAuthenticationConnection): Promise<string> {
  const target = await enabledConnection(db, actor, connection);
  await db
    .insert(userAuthentications)
    .values({ orgId: actor.orgId, userId: actor.userId, customerId: actor.customerId, ...target })
    .onConflictDoNothing();
  const [row] = await db
    .select({ id: userAuthentications.id })
    .from(userAuthentications)
    .where(and(eq(userAuthentications.userId, actor.userId), eq(userAuthentications.connectionRef, target.connectionRef)));
  return row!.id;
}
