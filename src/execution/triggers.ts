import { and, eq, lt, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { instanceFlowConfigs, instances, integrations, integrationVersions, webhookSignatureUses, type TriggerPayload } from '../db/tables';
import { startExecution, type Execution } from '../domain/executions/start-execution';
import type { InstanceFlowConfig } from '../domain/instances/flow-configs';
import { flowConfigKeyOwner, hashWebhookToken, signatureSecretSlot } from '../domain/instances/webhook-tokens';
import type { Flow } from '../domain/integrations/definition';
import type { Vault } from '../vault/vault';

type Instance = typeof instances.$inferSelect;
type Version = typeof integrationVersions.$inferSelect;

/** The flow a webhook token names, ready to start; `version` is null for the test (system) instance, which runs the draft. */
export type WebhookTarget = { flowConfig: InstanceFlowConfig; instance: Instance; version: Version | null; flow: Flow };

export type WebhookLookup = { ok: true; target: WebhookTarget } | { ok: false; status: 404 | 409; message: string };

/**
 * The token in the URL names one flow of one instance; it is looked up by its hash (the database keeps no
 * plain token). Unknown tokens, disabled or undeployed instances answer without revealing which of those it
 * was beyond what the caller must fix. Costs one indexed read, so callers do it before reading any body.
 */
export async function findWebhookTarget(db: Db, token: string): Promise<WebhookLookup> {
  const [found] = await db
    .select({ flowConfig: instanceFlowConfigs, instance: instances, version: integrationVersions, draft: integrations.definition })
    .from(instanceFlowConfigs)
    .innerJoin(instances, eq(instances.id, instanceFlowConfigs.instanceId))
    .innerJoin(integrations, eq(integrations.id, instances.integrationId))
    .leftJoin(integrationVersions, eq(integrationVersions.id, instances.deployedVersionId))
    .where(eq(instanceFlowConfigs.webhookTokenHash, hashWebhookToken(token)));
  if (!found) return { ok: false, status: 404, message: 'No flow listens at this URL.' };
  const { instance, version, flowConfig } = found;
  if (instance.isSystem) {
    // The test instance's URL starts a test run of the draft's flow, whatever triggers it elsewhere (as testUrl does).
    const flow = found.draft.flows.find((f) => f.stableKey === flowConfig.flowStableKey);
    if (!flow) return { ok: false, status: 404, message: 'This flow is no longer part of the integration.' };
    return { ok: true, target: { flowConfig, instance, version: null, flow } };
  }
  if (!version) return { ok: false, status: 409, message: 'The instance is not deployed yet.' };
  if (!instance.enabled) return { ok: false, status: 409, message: 'The instance is disabled.' };
  const flow = version.definition.flows.find((f) => f.stableKey === flowConfig.flowStableKey);
  if (!flow) return { ok: false, status: 404, message: 'This flow is not part of the deployed version.' };
  if (flow.trigger.type !== 'webhook') return { ok: false, status: 409, message: `This flow is triggered by ${flow.trigger.type}, not by webhook.` };
  return { ok: true, target: { flowConfig, instance, version, flow } };
}

/**
 * A webhook's query-string parameters are also appended to an object body (seed 000: the vendor may send
 * connector auth ids either way), so `trigger.body.x` works for both. When both carry a key the body wins:
 * the caller put it there explicitly. Other bodies (text, arrays) are kept as they came.
 */
export function withQueryParams(body: unknown, query: Record<string, string>): unknown {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return body;
  return { ...query, ...body };
}

/** Records the run of a webhook call (QUEUED, with its job); whether the caller waits for it is the flow's choice. */
export async function startWebhookExecution(
  db: Db,
  { instance, version, flow }: WebhookTarget,
  trigger: TriggerPayload,
  actingUserId: string | null = null,
): Promise<Execution> {
  // A test run has no instance or customer of its own: it takes the test instance's values (credential rule 4).
  const test = version === null;
  const execution = await startExecution(db, {
    orgId: instance.orgId,
    integrationId: instance.integrationId,
    versionId: version?.id ?? null,
    instanceId: test ? null : instance.id,
    customerId: test ? null : instance.customerId,
    actingUserId,
    flowStableKey: flow.stableKey,
    invokeType: test ? 'INTEGRATION_FLOW_TEST' : 'WEBHOOK',
    trigger,
  });
  return execution!;
}

/** The secret calls to this flow config must be signed with; null when it does not require signatures. */
export async function signatureSecretOf(db: Db, vault: Vault, flowConfig: InstanceFlowConfig): Promise<string | null> {
  if (!flowConfig.signatureSecret) return null;
  return vault.open(db, flowConfigKeyOwner(flowConfig.orgId), signatureSecretSlot(flowConfig.id), flowConfig.signatureSecret);
}

/**
 * Remembers an accepted signature until its timestamp could no longer pass; false when it was already
 * used (a replay), in this process or any other. Expired entries of the flow config go in the same breath.
 */
export async function recordSignatureUse(db: Db, flowConfigId: string, signature: string, keepSeconds: number): Promise<boolean> {
  await db.delete(webhookSignatureUses).where(and(eq(webhookSignatureUses.flowConfigId, flowConfigId), lt(webhookSignatureUses.keepUntil, sql`now()`)));
  const inserted = await db
    .insert(webhookSignatureUses)
    .values({ flowConfigId, signature, keepUntil: sql`now() + ${`${keepSeconds} seconds`}::interval` })
    .onConflictDoNothing()
    .returning({ signature: webhookSignatureUses.signature });
  return inserted.length === 1;
}
