import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { integrationFlowTestTokens, integrations } from '../../db/tables';
import type { DataKeySource, Vault } from '../../vault/vault';
import type { Actor } from '../actor';
import { flowConfigKeyOwner, hashWebhookToken, newWebhookToken } from '../instances/webhook-tokens';
import type { Flow } from './definition';
import type { IntegrationFlowRecord } from './flows';
import type { Integration } from './integrations';

const testTokenSlot = (rowId: string) => ({ record: rowId, field: 'testUrlToken' });

/**
 * The token of a flow's test URL, made on first read. Only organization admins get one: a call to it runs
 * the integration's draft with the organization's test credentials, as testIntegrationFlow does.
 */
export async function flowTestToken(db: DbOrTx, vault: Vault, keys: DataKeySource, actor: Actor, record: IntegrationFlowRecord): Promise<string | null> {
  if (actor.role !== 'admin') return null;
  const where = and(
    eq(integrationFlowTestTokens.orgId, actor.orgId),
    eq(integrationFlowTestTokens.integrationId, record.integrationId),
    eq(integrationFlowTestTokens.flowStableKey, record.flow.stableKey),
  );
  let [row] = await db.select().from(integrationFlowTestTokens).where(where);
  if (!row) {
    const id = randomUUID();
    const token = newWebhookToken();
    const tokenSealed = await vault.seal(db, flowConfigKeyOwner(actor.orgId), testTokenSlot(id), token);
    const values = {
      id,
      orgId: actor.orgId,
      integrationId: record.integrationId,
      flowStableKey: record.flow.stableKey,
      tokenHash: hashWebhookToken(token),
      tokenSealed,
    };
    // Two first reads at once: the one inserted first wins and both show its token.
    await db
      .insert(integrationFlowTestTokens)
      .values(values)
      .onConflictDoNothing({ target: [integrationFlowTestTokens.integrationId, integrationFlowTestTokens.flowStableKey] });
    [row] = await db.select().from(integrationFlowTestTokens).where(where);
  }
  const [token] = await vault.openMany(null, [{ owner: flowConfigKeyOwner(row!.orgId), slot: testTokenSlot(row!.id), sealed: row!.tokenSealed }], keys);
  if (token == null) throw new Error(`the test URL token of integration ${record.integrationId} cannot be opened`);
  return token;
}

export type TestUrlTarget = { integration: Integration; flow: Flow };

/** The integration and draft flow a test URL token starts, or null (unknown token, or a flow since removed). */
export async function findTestUrlTarget(db: DbOrTx, token: string): Promise<TestUrlTarget | null> {
  const [found] = await db
    .select({ integration: integrations, flowStableKey: integrationFlowTestTokens.flowStableKey })
    .from(integrationFlowTestTokens)
    .innerJoin(integrations, eq(integrations.id, integrationFlowTestTokens.integrationId))
    .where(eq(integrationFlowTestTokens.tokenHash, hashWebhookToken(token)));
  const flow = found?.integration.definition.flows.find((candidate) => candidate.stableKey === found.flowStableKey);
  return found && flow ? { integration: found.integration, flow } : null;
}
