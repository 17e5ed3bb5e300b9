import type { TriggerPayload } from '../../db/tables';
import { withQueryParams } from '../../execution/triggers';

/**
 * The request headers a flow sees (and that are stored with the execution). Only these: credentials
 * (Authorization, Cookie, API keys), signatures and proxy headers stay out of the database and templates.
 */
const KEPT_HEADERS = new Set([
  'content-type',
  'content-length',
  'user-agent',
  'x-request-id',
  'x-correlation-id',
  'prismatic-synchronous',
  'prismatic-debug',
  'prismatic-simulated-trigger-result',
]);

export function triggerPayloadOf(request: Request, url: URL, body: Buffer): TriggerPayload {
  const query = Object.fromEntries(url.searchParams);
  return {
    body: withQueryParams(parseBody(body.toString('utf8'), request.headers.get('content-type')), query),
    query,
    headers: Object.fromEntries([...request.headers].map(([k, v]) => [k.toLowerCase(), v]).filter(([k]) => KEPT_HEADERS.has(k!))),
  };
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
