import type { ActionDefinition, ConnectionDefinition } from '../../domain/components';
import { connectionFieldsRead, OAUTH2_ACCESS_TOKEN_KEY, resolveRequestUrl } from '../../domain/components';
import { MIN_SECRET_LENGTH, REDACTED } from '../secrets/redact';
import { evaluateValue, renderDeep, renderTemplate } from '../../lib/templates';

export type OutgoingRequest = {
  method: string;
  url: string;
  /** The URL as errors may show it (redactedUrl). */
  displayUrl: string;
  headers: Record<string, string>;
  body: string | undefined;
  /** The rendered credential values laid on the request (apply templates that read a secret): to redact. */
  credentialMaterial: string[];
};

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
  const credentialMaterial: string[] = [];
  if (credential) {
    const secretKeys = secretInputKeys(credential.connection);
    const keep = (template: string, rendered: string) => {
      if (connectionFieldsRead(template).some((key) => secretKeys.has(key))) credentialMaterial.push(rendered);
      return rendered;
    };
    for (const [name, template] of Object.entries(credential.connection.apply.headers)) {
      headers[(await renderTemplate(name, scope)).toLowerCase()] = keep(template, await renderTemplate(template, scope));
    }
    for (const [name, template] of Object.entries(credential.connection.apply.query))
      url.searchParams.set(name, keep(template, await renderTemplate(template, scope)));
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
  const secrets = credential ? [...secretInputKeys(credential.connection)].map((key) => credential.inputs[key] ?? '') : [];
  return { method, url: url.href, displayUrl: redactedUrl(url.href, secrets), headers, body, credentialMaterial };
}

/** The inputs of a connection that hold secrets: its PASSWORD inputs and the OAuth2 access token. */
function secretInputKeys(connection: ConnectionDefinition): Set<string> {
  return new Set([...connection.inputs.filter((input) => input.type === 'PASSWORD').map((input) => input.key), OAUTH2_ACCESS_TOKEN_KEY]);
}

/**
 * The URL as an error may show it: without user info and query (either may carry a credential:
 * `user:token@host`, api_key_query) and with every path segment that contains one of the secrets
 * (`/bot<token>/sendMessage`) replaced. Secrets shorter than MIN_SECRET_LENGTH are not looked for.
 */
export function redactedUrl(url: string, secrets: readonly string[] = []): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return '(invalid URL)';
  }
  const known = secrets.filter((secret) => secret.length >= MIN_SECRET_LENGTH);
  const segments = parsed.pathname.split('/').map((segment) => {
    const decoded = safeDecode(segment);
    return known.some((secret) => segment.includes(secret) || decoded.includes(secret)) ? REDACTED : segment;
  });
  return `${parsed.protocol}//${parsed.host}${segments.join('/')}`;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Optional inputs left empty render to null; an API expects such fields absent, not null. */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v != null)
        .map(([k, v]) => [k, withoutNulls(v)]),
    );
  }
  return value;
}
