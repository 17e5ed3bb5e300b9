import { and, eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { instances, oauth2Tokens } from '../../db/tables';
import { requireAdmin, type Actor } from '../actor';
import { oauth2TypeOf } from '../components';
import { stableUuid } from '../components/stable-ids';
import { NotFoundError } from '../errors';
import type { ConfigVar } from '../integrations/definition';
import { configStateOf, instanceDefinitionsOf } from './definitions';
import { getInstancesByIds, visibleInstances, type Instance } from './instances';
import type { ConfigVariableReport } from './config-state';
import { inlineTokenHolderId } from './config-values';

/** An InstanceConfigVariable's id: derived from the instance and the variable, so it is the same on every read. */
export const instanceConfigVariableUuid = (instanceId: string, configVar: Pick<ConfigVar, 'key' | 'stableKey'>) =>
  stableUuid(`instance:${instanceId}:config-var:${configVar.stableKey ?? configVar.key}`);

/**
 * How a client names an InstanceConfigVariable: its instance and its instanceConfigVariableUuid. Ids given out
 * before named only the latter (instanceId null): their instance is searched for.
 */
export type InstanceConfigVariableRef = { instanceId: string | null; variableId: string };

/**
 * Prismatic's disconnectConnection: forgets what the instance itself holds for one connection, so it must be
 * set up again. An OAuth 2.0 authorization-code connection loses its tokens and keeps its client inputs
 * (authorizeUrl authorizes it again; runs meanwhile fail asking for authorization, and its status reads
 * PENDING); any other inline connection loses its values (status PENDING until updateInstanceConfigVariables
 * gives new ones).
 *
 * A connection that uses an organization's connection holds nothing here, and its id reads as not found,
 * like any id of another organization: its values are the customer's (deleteCustomerConfigVariable).
 */
export async function disconnectConnection(
  db: DbOrTx,
  actor: Actor,
  ref: InstanceConfigVariableRef,
): Promise<{ instance: Instance; report: ConfigVariableReport }> {
  const found = await findInlineConnection(db, actor, ref);
  if (!found) throw new NotFoundError();
  requireAdmin(actor, 'disconnect connections');
  const { instance, configVar, connectionKind } = found;
  const instanceRow = await db.transaction(async (tx) => {
    if (connectionKind === 'AUTHORIZATION_CODE') {
      await tx.delete(oauth2Tokens).where(and(eq(oauth2Tokens.orgId, actor.orgId), eq(oauth2Tokens.holderId, inlineTokenHolderId(instance.id, configVar.key))));
      return instance;
    }
    const [row] = await tx
      .update(instances)
      .set({ configValues: sql`${instances.configValues} - ${configVar.key}::text`, updatedAt: new Date() })
      .where(and(eq(instances.orgId, actor.orgId), eq(instances.id, instance.id)))
      .returning();
    return row!;
  });
  const report = (await configStateOf(db, actor, instanceRow)).variables.find((variable) => variable.configVar.key === configVar.key)!;
  return { instance: instanceRow, report };
}

async function findInlineConnection(db: DbOrTx, actor: Actor, ref: InstanceConfigVariableRef) {
  const candidates = ref.instanceId
    ? await getInstancesByIds(db, actor, [ref.instanceId])
    : // An id of the earlier form is a one-way hash: its instance is among the visible ones holding inline values.
      await db
        .select()
        .from(instances)
        .where(and(visibleInstances(actor), sql`jsonb_path_exists(${instances.configValues}, '$.* ? (@.kind == "inline")')`));
  for (const definitions of await instanceDefinitionsOf(db, candidates)) {
    const configVar = (definitions.configured.definition.requiredConfigVars ?? []).find(
      (candidate) => candidate.dataType === 'connection' && instanceConfigVariableUuid(definitions.instance.id, candidate) === ref.variableId,
    );
    if (configVar?.dataType !== 'connection' || !configVar.connection) continue;
    if (definitions.instance.configValues[configVar.key]?.kind !== 'inline') continue;
    const report = (await configStateOf(db, actor, definitions.instance)).variables.find((variable) => variable.configVar.key === configVar.key);
    const connectionKind = report?.connection ? oauth2TypeOf(report.connection.definition) : null;
    return { instance: definitions.instance, configVar, connectionKind };
  }
  return null;
}
