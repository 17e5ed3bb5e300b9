import { and, desc, eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { instances, integrationVersions } from '../../db/tables';
import { requireOrgAdmin, type Actor } from '../actor';
import { invalid } from '../errors';
import { byVisibleIntegration, getIntegration } from '../integrations/integrations';
import { triggerFromInput, type RunInput } from './run-requests';
import { startExecution, type Execution } from './start-execution';

/**
 * Starts a fan-out flow for every customer at once (the API trigger at integration level): one parent run,
 * whose worker inserts one child run per matching instance. The newest version any enabled instance runs
 * decides whether the flow fans out and with which limits, as for scheduled fan-outs.
 */
export async function runFanOutFlow(db: DbOrTx, actor: Actor, integrationId: string, flowStableKey: string, input: RunInput): Promise<Execution> {
  requireOrgAdmin(actor, 'run a flow for every customer');
  await getIntegration(db, actor, integrationId);
  const [newest] = await db
    .select({ version: integrationVersions })
    .from(instances)
    .innerJoin(integrationVersions, eq(integrationVersions.id, instances.deployedVersionId))
    .where(and(byVisibleIntegration(actor, instances.integrationId, integrationId), eq(instances.enabled, true)))
    .orderBy(desc(integrationVersions.versionNumber))
    .limit(1);
  if (!newest) throw invalid('integration', 'No customer has an enabled, deployed instance of this integration.');
  const flow = newest.version.definition.flows.find((f) => f.stableKey === flowStableKey);
  const fanOut = flow && flow.trigger.type !== 'webhook' ? flow.trigger.fanOut : undefined;
  if (!fanOut)
    throw invalid(
      'flow',
      flow
        ? `Flow "${flowStableKey}" does not fan out (its trigger has no fanOut): run it for one customer with "instance".`
        : `The deployed version has no flow with stable key "${flowStableKey}" (it has: ${newest.version.definition.flows.map((f) => f.stableKey).join(', ')}).`,
    );
  return (await startExecution(db, {
    orgId: actor.orgId,
    integrationId,
    versionId: newest.version.id,
    instanceId: null,
    customerId: null,
    actingUserId: actor.userId,
    flowStableKey,
    invokeType: 'API',
    trigger: triggerFromInput(input),
    fanOut,
  }))!;
}
