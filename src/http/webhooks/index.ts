import type { WebhookSettings } from '../../config';
import type { Db } from '../../db/client';
import { findWebhookTarget, recordSignatureUse, signatureSecretOf, startWebhookExecution } from '../../execution/triggers';
import type { Logger } from '../../log';
import type { Vault } from '../../vault/vault';
import type { Route } from '../app';
import { RateLimiter } from './rate-limit';
import { bodyTooLarge, declaresTooLarge, executionAnswer, json, overRate, type WebhookLimits } from './answers';
import { readLimitedBody } from '../read-limited-body';
import { checkSignature, SIGNATURE_HEADER } from './signature';
import { answerTestUrl, TEST_URL_PATH } from './test-url';
import { findActingUser } from '../../domain/user-authentications/acting-user';

/** Names the acting user of a webhook run (a User id or an embedded user's external id); signed calls only. */
export const ACTING_USER_HEADER = 'x-tenantflow-acting-user';
import { triggerPayloadOf } from './trigger-payload';

export type WebhookDeps = { db: Db; vault: Vault; log: Logger; settings: WebhookSettings };

const PATH = /^\/webhooks\/([A-Za-z0-9_-]{20,100})\/?$/;

/**
 * POST /webhooks/<token>: starts the flow and answers 202 with the execution id (header
 * `prismatic-executionid`, as Prismatic's clients read it). With `prismatic-synchronous: true`, or for
 * flows marked synchronous, waits for the run and answers with its result.
 *
 * Everything cheap comes first: the token is looked up and the rate checked before a byte of the body is
 * read, and the body is read only up to the limit. Callers are not authenticated, so no answer carries more
 * than they must know: an unexpected failure is a bare 500 (the operator log has the cause).
 */
export function webhookRoutes(deps: WebhookDeps): Route[] {
  const limits: WebhookLimits = {
    perWebhook: new RateLimiter(deps.settings.ratePerMinute),
    perOrganization: new RateLimiter(deps.settings.orgRatePerMinute),
  };
  type Answer = (deps: WebhookDeps, limits: WebhookLimits, request: Request, url: URL, token: string) => Promise<Response>;
  const route =
    (path: RegExp, what: string, answerCall: Answer): Route =>
    async (request, url) => {
      const match = path.exec(url.pathname);
      if (!match) return undefined;
      try {
        return await answerCall(deps, limits, request, url, match[1]!);
      } catch (error) {
        deps.log.error({ err: error }, `unexpected error in a ${what} request`);
        return json(500, { error: 'Internal server error.' });
      }
    };
  return [route(PATH, 'webhook', answer), route(TEST_URL_PATH, 'earlier test URL', answerTestUrl)];
}

async function answer(deps: WebhookDeps, limits: WebhookLimits, request: Request, url: URL, token: string) {
  if (request.method !== 'POST') return json(405, { error: 'Webhooks accept POST.' }, { allow: 'POST' });
  if (declaresTooLarge(request, deps.settings.maxBodyBytes)) return bodyTooLarge(deps.settings.maxBodyBytes);

  const found = await findWebhookTarget(deps.db, token);
  if (!found.ok) return json(found.status, { error: found.message }, { connection: 'close' });
  const { target } = found;

  const limited = overRate(limits, target.flowConfig.id, target.instance.orgId);
  if (limited) return limited;

  const body = await readLimitedBody(request, deps.settings.maxBodyBytes);
  if (body.tooLarge) return bodyTooLarge(deps.settings.maxBodyBytes);

  const secret = await signatureSecretOf(deps.db, deps.vault, target.flowConfig);
  if (secret) {
    const tolerance = deps.settings.signatureToleranceSeconds;
    const checked = checkSignature(request.headers.get(SIGNATURE_HEADER), body.bytes, secret, Math.floor(Date.now() / 1000), tolerance);
    if (!checked.ok) return json(401, { error: checked.message });
    // Remembered for twice the tolerance: a timestamp up to `tolerance` in the future stays valid that long.
    if (!(await recordSignatureUse(deps.db, target.flowConfig.id, checked.signature, 2 * tolerance))) {
      return json(401, { error: 'This signed call was already received: sign each call anew.' });
    }
  }

  // Seed 002: a non-interactive run for a named user. Only a signed call may name one: whoever holds the
  // webhook URL alone must not choose whose credential the run uses.
  const actingUserReference = request.headers.get(ACTING_USER_HEADER);
  let actingUserId: string | null = null;
  if (actingUserReference) {
    if (!secret) return json(400, { error: `${ACTING_USER_HEADER} is accepted only on webhooks that require signed calls.` });
    const found = await findActingUser(deps.db, target.instance.orgId, actingUserReference, target.instance.customerId);
    if (typeof found === 'string') return json(400, { error: `${ACTING_USER_HEADER}: ${found}` });
    actingUserId = found.id;
  }
  const execution = await startWebhookExecution(deps.db, target, triggerPayloadOf(request, url, body.bytes), actingUserId);
  const { trigger } = target.flow;
  // Only the test instance starts flows of other triggers here (a flow's test URL): like any other call they
  // answer 202 unless the caller asks to wait.
  const wait = (trigger.type === 'webhook' && trigger.synchronous === true) || request.headers.get('prismatic-synchronous') === 'true';
  return executionAnswer(deps.db, execution.id, wait);
}
