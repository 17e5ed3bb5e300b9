import { startTestUrlRun } from '../../domain/executions/run-requests';
import { findTestUrlTarget } from '../../domain/integrations/test-urls';
import { readLimitedBody } from '../read-limited-body';
import { bodyTooLarge, declaresTooLarge, executionAnswer, json, overRate, type WebhookLimits } from './answers';
import { triggerPayloadOf } from './trigger-payload';
import type { WebhookDeps } from './index';

export const TEST_URL_PATH = /^\/test-webhooks\/([A-Za-z0-9_-]{20,100})\/?$/;

/**
 * POST /test-webhooks/<token>: serves only the test URLs handed out earlier, before `IntegrationFlow.testUrl`
 * became the test (system) instance's webhook URL (/webhooks/<token>); no new token is issued, but URLs
 * users saved keep working. A test run of the flow in the integration's draft, as testIntegrationFlow starts
 * it. The same limits as instance webhooks apply (body size, per-URL and per-organization rates); 202 with
 * `prismatic-executionid`, or the result with `prismatic-synchronous: true`.
 */
export async function answerTestUrl(deps: WebhookDeps, limits: WebhookLimits, request: Request, url: URL, token: string) {
  if (request.method !== 'POST') return json(405, { error: 'Test URLs accept POST.' }, { allow: 'POST' });
  if (declaresTooLarge(request, deps.settings.maxBodyBytes)) return bodyTooLarge(deps.settings.maxBodyBytes);

  const target = await findTestUrlTarget(deps.db, token);
  if (!target) return json(404, { error: 'No flow listens at this URL.' }, { connection: 'close' });
  const limited = overRate(limits, `test:${target.integration.id}:${target.flow.stableKey}`, target.integration.orgId);
  if (limited) return limited;

  const body = await readLimitedBody(request, deps.settings.maxBodyBytes);
  if (body.tooLarge) return bodyTooLarge(deps.settings.maxBodyBytes);
  const execution = await startTestUrlRun(deps.db, target, triggerPayloadOf(request, url, body.bytes));
  return executionAnswer(deps.db, execution.id, request.headers.get('prismatic-synchronous') === 'true');
}
