import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { eq, isNotNull } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { instanceFlowConfigs } from '../../db/tables';
import type { DataKeySource, KeyOwner, SecretSlot, Vault } from '../../vault/vault';

type InstanceFlowConfig = typeof instanceFlowConfigs.$inferSelect;

/** 32 random bytes, URL-safe: the only secret in a webhook URL, so it must not be guessable. */
export const newWebhookToken = () => randomBytes(32).toString('base64url');

/** The lookup key stored instead of the token (the migration computes the same in SQL for older rows). */
export const hashWebhookToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** Webhook tokens and signature secrets are the organization's, sealed with its data key. */
export const flowConfigKeyOwner = (orgId: string): KeyOwner => ({ orgId, customerId: null });
export const webhookTokenSlot = (flowConfigId: string): SecretSlot => ({ record: flowConfigId, field: 'webhookToken' });
export const signatureSecretSlot = (flowConfigId: string): SecretSlot => ({ record: flowConfigId, field: 'signatureSecret' });

/** A new flow config row with a fresh token: hashed for lookup, sealed for showing the URL again. */
export async function newFlowConfigRow(db: DbOrTx, vault: Vault, orgId: string, instanceId: string, flowStableKey: string) {
  const id = randomUUID();
  const token = newWebhookToken();
  const webhookTokenSealed = await vault.seal(db, flowConfigKeyOwner(orgId), webhookTokenSlot(id), token);
  return { id, orgId, instanceId, flowStableKey, webhookTokenHash: hashWebhookToken(token), webhookTokenSealed };
}

/**
 * Moves the plain-text tokens of rows created before tokens were hashed into the vault. Runs at start,
 * where the master key is at hand (the SQL migration could only hash them). Returns how many it moved.
 */
export async function sealLegacyWebhookTokens(db: DbOrTx, vault: Vault): Promise<number> {
  const legacy = await db
    .select({ id: instanceFlowConfigs.id, orgId: instanceFlowConfigs.orgId, token: instanceFlowConfigs.legacyWebhookToken })
    .from(instanceFlowConfigs)
    .where(isNotNull(instanceFlowConfigs.legacyWebhookToken));
  for (const row of legacy) {
    const webhookTokenSealed = await vault.seal(db, flowConfigKeyOwner(row.orgId), webhookTokenSlot(row.id), row.token!);
    await db
      .update(instanceFlowConfigs)
      .set({ webhookTokenSealed, webhookTokenHash: hashWebhookToken(row.token!), legacyWebhookToken: null })
      .where(eq(instanceFlowConfigs.id, row.id));
  }
  return legacy.length;
}

/** The token of a flow config, for showing its webhook URL (`keys` batches data-key reads across a response). */
export async function openWebhookToken(vault: Vault, keys: DataKeySource, config: InstanceFlowConfig): Promise<string> {
  const [token] = config.webhookTokenSealed
    ? await vault.openMany(null, [{ owner: flowConfigKeyOwner(config.orgId), slot: webhookTokenSlot(config.id), sealed: config.webhookTokenSealed }], keys)
    : [null];
  if (token == null) throw new Error(`the webhook token of flow config ${config.id} cannot be opened`);
  return token;
}
