import type { ActionDefinition, ConnectionDefinition } from '../../domain/components';
import { resolveRequestUrl } from '../../domain/components';
import { evaluateValue, renderDeep, renderTemplate } from '../../lib/templates';

export type OutgoingRequest = { method: string; url: string; headers: Record<string, string>; body: string | undefined };

/**
 * Renders an action's declarative request with its inputs and (when it has one) the opened credential,
 * then lays the credential on it as the connection's `apply` says.
 */
export async function buildRequest(
  action: ActionDefinition,
  inputs: Record<string, unknown>,
  credential: { connection: ConnectionDefinition; inputs: Record<string, string> } | null,
): Promise<OutgoingRequest> {
  const scope = { inputs, connection: credential?.inputs ?? {} };
  const method = (await renderTemplate(action.request.method, scope)).trim().toUpperCase() || 'GET';
  const baseUrl = credential?.connection.baseUrl ? await renderTemplate(credential.connection.baseUrl, scope) : undefined;
  const url = new URL(resolveRequestUrl(await renderTemplate(action.request.url, scope), baseUrl));

  const headers: Record<string, string> = {};
  for (const [name, template] of Object.entries(action.request.headers)) headers[name.toLowerCase()] = await renderTemplate(template, scope);
  if (action.request.jsonHeaders) {
    const extra = await evaluateValue(action.request.jsonHeaders, scope);
    const parsed = typeof extra === 'string' && extra.trim() ? (JSON.parse(extra) as unknown) : extra;
    if (parsed && typeof parsed === 'object') for (const [name, value] of Object.entries(parsed)) headers[name.toLowerCase()] = String(value);
  }
  for (const [name, template] of Object.entries(action.request.query)) {
    const value = await renderTemplate(template, scope);
    if (value !== '') url.searchParams.set(name, value);
  }
  if (credential) {
    for (const [name, template] of Object.entries(credential.connection.apply.headers)) {
      headers[(await renderTemplate(name, scope)).toLowerCase()] = await renderTemplate(template, scope);
    }
    for (const [name, template] of Object.entries(credential.connection.apply.query)) url.searchParams.set(name, await renderTemplate(template, scope));
  }

  let body: string | undefined;
  if (action.request.body !== undefined && method !== 'GET' && method !== 'HEAD') {
    const rendered = withoutNulls(await renderDeep(action.request.body, scope));
    if (typeof rendered === 'string') body = rendered;
    else if (rendered != null) {
      body = JSON.stringify(rendered);
      headers['content-type'] ??= 'application/json';
    }
  }
  return { method, url: url.href, headers, body };
}

/** The URL without its query string: query parameters may carry credentials (api_key_query), errors must not. */
export const redactedUrl = (url: string) => url.split('?')[0]!;

/** Optional inputs left empty render to null; an API expects such fields absent, not null. */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v != null).map(([k, v]) => [k, withoutNulls(v)]));
  }
  return value;
}
