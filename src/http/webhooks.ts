import type { TriggerPayload } from '../db/tables';
import type { EngineDeps } from '../execution/engine/run-flow';
import { awaitExecution } from '../domain/executions/await-execution';
import { triggerWebhook } from '../execution/triggers';
import { encodeGlobalId } from '../lib/global-id';
import type { Route } from './app';

const MAX_BODY_BYTES = 1024 * 1024;
const SYNC_TIMEOUT_MS = 30_000;
const PATH = /^\/webhooks\/([A-Za-z0-9_-]{20,100})\/?$/;

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

/**
 * POST /webhooks/<token>: starts the flow and answers 202 with the execution id (header
 * `prismatic-executionid`, as Prismatic's clients read it). With `prismatic-synchronous: true`, or for
 * flows marked synchronous, waits for the run and answers with its result.
 */
export function webhookRoutes(engine: Pick<EngineDeps, 'db'>): Route[] {
  return [
    async (request, url) => {
      const match = PATH.exec(url.pathname);
      if (!match) return undefined;
      if (request.method !== 'POST') return json(405, { error: 'Webhooks accept POST.' }, { allow: 'POST' });
      const text = await request.text();
      if (Buffer.byteLength(text) > MAX_BODY_BYTES) return json(413, { error: `The body exceeds ${MAX_BODY_BYTES} bytes.` });
      const trigger: TriggerPayload = {
        body: parseBody(text, request.headers.get('content-type')),
        query: Object.fromEntries(url.searchParams),
        headers: Object.fromEntries([...request.headers].map(([k, v]) => [k.toLowerCase(), v])),
      };
      const started = await triggerWebhook(engine.db, match[1]!, trigger);
      if (!started.ok) return json(started.status, { error: started.message });
      const executionId = encodeGlobalId('InstanceExecutionResult', started.execution.id);
      const headers = { 'prismatic-executionid': executionId };
      if (!started.synchronous && request.headers.get('prismatic-synchronous') !== 'true') {
        return json(202, { executionId }, headers);
      }
      const ended = await awaitExecution(engine.db, started.execution.id, SYNC_TIMEOUT_MS);
      if (!ended) return json(202, { executionId, message: 'Still running; poll executionResult.' }, headers);
      return ended.status === 'SUCCEEDED' ? json(200, ended.result ?? null, headers) : json(500, { executionId, error: ended.error }, headers);
    },
  ];
}

function parseBody(text: string, contentType: string | null): unknown {
  if (!text) return {};
  if ((contentType ?? '').includes('json')) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  if ((contentType ?? '').includes('x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(text));
  return text;
}
