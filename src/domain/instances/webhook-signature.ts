import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { instanceFlowConfigs } from '../../db/tables';
import type { Vault } from '../../vault/vault';
import { requireOrgAdmin, type Actor } from '../actor';
import { NotFoundError } from '../errors';
import { getFlowConfigsByIds, type InstanceFlowConfigView } from './flow-configs';
import { flowConfigKeyOwner, signatureSecretSlot } from './webhook-tokens';

// A recognisable prefix, as for API tokens, so secret scanners can tell what leaked.
const SECRET_PREFIX = 'whsec_';

export type SignatureChange = { flowConfig: InstanceFlowConfigView; signatureSecret: string | null };

/**
 * Requires (or stops requiring) a signature on the flow config's webhook calls. Requiring it again rotates
 * the secret: the new one is returned here only, the old one stops working at once.
 */
export async function setWebhookSignature(db: DbOrTx, vault: Vault, actor: Actor, id: string, required: boolean): Promise<SignatureChange> {
  const [view] = await getFlowConfigsByIds(db, actor, [id]);
  if (!view) throw new NotFoundError();
  requireOrgAdmin(actor, 'change webhook signatures');
  const signatureSecret = required ? SECRET_PREFIX + randomBytes(32).toString('base64url') : null;
  const sealed = signatureSecret ? await vault.seal(db, flowConfigKeyOwner(view.config.orgId), signatureSecretSlot(view.config.id), signatureSecret) : null;
  const [config] = await db.update(instanceFlowConfigs).set({ signatureSecret: sealed }).where(eq(instanceFlowConfigs.id, view.config.id)).returning();
  return { flowConfig: { ...view, config: config! }, signatureSecret };
}
