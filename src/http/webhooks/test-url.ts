import { awaitExecution } from '../../domain/executions/await-execution';
import { startTestUrlRun } from '../../domain/executions/run-requests';
import { findTestUrlTarget } from '../../domain/integrations/test-urls';
import { encodeGlobalId } from '../../lib/global-id';
import { readLimitedBody } from '../read-limited-body';
import type { RateLimiter } from './rate-limit';
import { triggerPayloadOf } from './trigger-payload';
import type { WebhookDeps } from './index';

export const TEST_URL_PATH = /^\/test-webhooks\/([A-Za-z0-9_-]{20,100})\/?$/;
const SYNC_TIMEOUT_MS = 30_000;

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

/**
 * POST /test-webhooks/<token> (`IntegrationFlow.testUrl`): a test run of the flow in the integration's draft,
 * as testIntegrationFlow starts it. The same limits as instance webhooks apply (body size, per-URL and
 * per-organization rates); 202 with `prismatic-executionid`, or the result with `prismatic-synchronous: true`.
 */
export async function answerTestUrl(
  deps: WebhookDeps,
  limits: { perWebhook: RateLimiter; perOrganization: RateLimiter },
  request: Request,
  url: URL,
  token: string,
) {
  if (request.method !== 'POST') return json(405, { error: 'Test URLs accept POST.' }, { allow: 'POST' });
  const tooLarge = () => json(413, { error: `The body exceeds ${deps.settings.maxBodyBytes} bytes.` }, { connection: 'close' });
  if (Number(request.headers.get('content-length') ?? 0) > deps.settings.maxBodyBytes) return tooLarge();

  const target = await findTestUrlTarget(deps.db, token);
  if (!target) return json(404, { error: 'No flow listens at this URL.' }, { connection: 'close' });
  const urlKey = `test:${target.integration.id}:${target.flow.stableKey}`;
  const orgKey = target.integration.orgId;
  const wait = Math.max(limits.perWebhook.waitSeconds(urlKey), limits.perOrganization.waitSeconds(orgKey));
  if (wait > 0) return json(429, { error: `Too many calls; retry in ${wait} s.` }, { 'retry-after': String(wait), connection: 'close' });
  limits.perWebhook.take(urlKey);
  limits.perOrganization.take(orgKey);

  const body = await readLimitedBody(request, deps.settings.maxBodyBytes);
  if (body.tooLarge) return tooLarge();
  const execution = await startTestUrlRun(deps.db, target, triggerPayloadOf(request, url, body.bytes));
  const executionId = encodeGlobalId('InstanceExecutionResult', execution.id);
  const headers = { 'prismatic-executionid': executionId };
  if (request.headers.get('prismatic-synchronous') !== 'true') return json(202, { executionId }, headers);
  const ended = await awaitExecution(deps.db, execution.id, SYNC_TIMEOUT_MS);
  if (!ended) return json(202, { executionId, message: 'Still running; poll executionResult.' }, headers);
  if (ended.status === 'SUCCEEDED') return json(200, ended.result ?? null, headers);
  return json(500, { executionId, error: 'The flow failed; its execution result (executionResult with this id) says why.' }, headers);
}
