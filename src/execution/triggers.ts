import { eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { instanceFlowConfigs, instances, integrationVersions, type TriggerPayload } from '../db/tables';
import { startExecution, type Execution } from '../domain/executions/start-execution';

export type WebhookTriggerResult =
  | { ok: true; execution: Execution; synchronous: boolean }
  | { ok: false; status: 404 | 409; message: string };

/**
 * A webhook call: the token in the URL names one flow of one instance. Unknown tokens, disabled or
 * undeployed instances answer without revealing which of those it was beyond what the caller must fix.
 */
export async function triggerWebhook(db: Db, token: string, trigger: TriggerPayload): Promise<WebhookTriggerResult> {
  const [found] = await db
    .select({ flowConfig: instanceFlowConfigs, instance: instances, version: integrationVersions })
    .from(instanceFlowConfigs)
    .innerJoin(instances, eq(instances.id, instanceFlowConfigs.instanceId))
    .leftJoin(integrationVersions, eq(integrationVersions.id, instances.deployedVersionId))
    .where(eq(instanceFlowConfigs.webhookToken, token));
  if (!found) return { ok: false, status: 404, message: 'No flow listens at this URL.' };
  const { instance, version, flowConfig } = found;
  if (!version) return { ok: false, status: 409, message: 'The instance is not deployed yet.' };
  if (!instance.enabled) return { ok: false, status: 409, message: 'The instance is disabled.' };
  const flow = version.definition.flows.find((f) => f.stableKey === flowConfig.flowStableKey);
  if (!flow) return { ok: false, status: 404, message: 'This flow is not part of the deployed version.' };
  if (flow.trigger.type !== 'webhook') return { ok: false, status: 409, message: `This flow is triggered by ${flow.trigger.type}, not by webhook.` };
  const execution = await startExecution(db, {
    orgId: instance.orgId,
    integrationId: instance.integrationId,
    versionId: version.id,
    instanceId: instance.id,
    customerId: instance.customerId,
    flowStableKey: flow.stableKey,
    invokeType: 'WEBHOOK',
    trigger,
  });
  return { ok: true, execution: execution!, synchronous: flow.trigger.synchronous === true };
}
