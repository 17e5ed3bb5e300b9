import { and, eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { stepResults } from '../../db/tables';
import type { SealedValue, Vault } from '../../vault/vault';
import type { Actor } from '../actor';
import { NotFoundError } from '../errors';
import { getExecution, type StepResultRow } from './executions';

/*
 * InstanceStepResult.resultsUrl: like Prismatic's presigned URL, clients (prism) fetch it without a token.
 * So the URL itself carries who may read what until when, sealed with the organization's data key: nobody
 * can forge or alter it, it opens only for that organization, and when fetched the step result is read
 * again as that caller, with the caller's visibility (a customer user: only their customer's runs).
 */

export const STEP_RESULT_LINK_TTL_MS = 10 * 60_000;
export const STEP_RESULTS_PATH = '/step-results/';

type LinkClaims = { stepResultId: string; actor: Actor; expiresAt: number };

const linkSlot = (orgId: string) => ({ record: orgId, field: 'stepResultLink' });
const orgKey = (orgId: string) => ({ orgId, customerId: null });

/** The path part of a step's results URL for this caller: `<orgId>.<sealed claims>`. */
export async function stepResultLinkToken(db: DbOrTx, vault: Vault, actor: Actor, stepResultId: string, now = Date.now()): Promise<string> {
  const claims: LinkClaims = { stepResultId, actor, expiresAt: now + STEP_RESULT_LINK_TTL_MS };
  const sealed = await vault.seal(db, orgKey(actor.orgId), linkSlot(actor.orgId), JSON.stringify(claims));
  return `${actor.orgId}.${Buffer.from(JSON.stringify(sealed)).toString('base64url')}`;
}

/** The step result a link names, read as the caller who got the link; a forged, altered or expired link is "not found". */
export async function openStepResultLink(db: DbOrTx, vault: Vault, token: string, now = Date.now()): Promise<StepResultRow> {
  const claims = await claimsOf(db, vault, token);
  if (!claims || claims.expiresAt <= now) throw new NotFoundError();
  const [row] = await db
    .select()
    .from(stepResults)
    .where(and(eq(stepResults.orgId, claims.actor.orgId), eq(stepResults.id, claims.stepResultId)));
  if (!row) throw new NotFoundError();
  await getExecution(db, claims.actor, row.executionId);
  return row;
}

async function claimsOf(db: DbOrTx, vault: Vault, token: string): Promise<LinkClaims | null> {
  const dot = token.indexOf('.');
  const orgId = token.slice(0, dot);
  if (dot < 0 || !/^[0-9a-f-]{36}$/.test(orgId)) return null;
  try {
    const sealed = JSON.parse(Buffer.from(token.slice(dot + 1), 'base64url').toString('utf8')) as SealedValue;
    const [text] = await vault.openMany(db, [{ owner: orgKey(orgId), slot: linkSlot(orgId), sealed }]);
    const claims = text == null ? null : (JSON.parse(text) as LinkClaims);
    return claims?.actor.orgId === orgId ? claims : null;
  } catch {
    return null;
  }
}
