import type { Db } from '../../db/client';
import { awaitExecution } from '../../domain/executions/await-execution';
import { encodeGlobalId } from '../../lib/global-id';
import type { RateLimiter } from './rate-limit';

// What instance webhooks and test URLs answer alike: both are unauthenticated, so each answer says no more than needed.

const SYNC_TIMEOUT_MS = 30_000;

export type WebhookLimits = { perWebhook: RateLimiter; perOrganization: RateLimiter };

export const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

/** 413 for a body over the webhook limit; the connection closes, so the rest of the upload is never read. */
export const bodyTooLarge = (maxBodyBytes: number) => json(413, { error: `The body exceeds ${maxBodyBytes} bytes.` }, { connection: 'close' });

/** A declared Content-Length over the limit is refused before anything is looked up. */
export const declaresTooLarge = (request: Request, maxBodyBytes: number) => Number(request.headers.get('content-length') ?? 0) > maxBodyBytes;

/** A 429 when this URL or its organization is over its rate; otherwise takes one call from both and answers null. */
export function overRate(limits: WebhookLimits, urlKey: string, orgKey: string): Response | null {
  const wait = Math.max(limits.perWebhook.waitSeconds(urlKey), limits.perOrganization.waitSeconds(orgKey));
  if (wait > 0) return json(429, { error: `Too many calls; retry in ${wait} s.` }, { 'retry-after': String(wait), connection: 'close' });
  limits.perWebhook.take(urlKey);
  limits.perOrganization.take(orgKey);
  return null;
}

/** 202 with the execution id (header `prismatic-executionid`, as Prismatic's clients read it), or, when waiting, the run's result. */
export async function executionAnswer(db: Db, executionId: string, wait: boolean): Promise<Response> {
  const globalId = encodeGlobalId('InstanceExecutionResult', executionId);
  const headers = { 'prismatic-executionid': globalId };
  if (!wait) return json(202, { executionId: globalId }, headers);
  const ended = await awaitExecution(db, executionId, SYNC_TIMEOUT_MS);
  if (!ended) return json(202, { executionId: globalId, message: 'Still running; poll executionResult.' }, headers);
  if (ended.status === 'SUCCEEDED') return json(200, ended.result ?? null, headers);
  // The error may quote an upstream API (and whatever it echoed); the caller is not authenticated.
  return json(500, { executionId: globalId, error: 'The flow failed; its execution result (executionResult with this id) says why.' }, headers);
}
