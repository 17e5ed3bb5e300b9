import { eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { integrationFlowTestTokens, integrations } from '../../db/tables';
import { hashWebhookToken } from '../instances/webhook-tokens';
import type { Flow } from './definition';
import type { Integration } from './integrations';

/*
 * Test URLs issued before a flow's test URL became its test (system) instance's webhook URL. No token is
 * issued any more; the ones users saved keep starting test runs, so their rows are kept.
 */

export type TestUrlTarget = { integration: Integration; flow: Flow };

/** The integration and draft flow an earlier-issued test URL token starts, or null (unknown token, or a flow since removed). */
export async function findTestUrlTarget(db: DbOrTx, token: string): Promise<TestUrlTarget | null> {
  const [found] = await db
    .select({ integration: integrations, flowStableKey: integrationFlowTestTokens.flowStableKey })
    .from(integrationFlowTestTokens)
    .innerJoin(integrations, eq(integrations.id, integrationFlowTestTokens.integrationId))
    .where(eq(integrationFlowTestTokens.tokenHash, hashWebhookToken(token)));
  const flow = found?.integration.definition.flows.find((candidate) => candidate.stableKey === found.flowStableKey);
  return found && flow ? { integration: found.integration, flow } : null;
}
