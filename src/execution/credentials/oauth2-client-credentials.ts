import { createHash } from 'node:crypto';
import * as oauth from 'oauth4webapi';
import type { OutgoingHttp } from '../http/outgoing-http';
import { tokenRequestOptions } from './oauth2-token-endpoint';

type CachedToken = { accessToken: string; expiresAt: number };

const cache = new Map<string, CachedToken>();
const inFlight = new Map<string, Promise<CachedToken>>();
// Renew a little early so a token does not expire between being read and being used.
const EARLY_MS = 30_000;

/**
 * An access token for an OAuth2 client-credentials connection, cached per credential until shortly before it
 * expires. Concurrent steps of one credential share one token request.
 */
export async function clientCredentialsToken(
  credentialId: string,
  inputs: Record<string, string>,
  opts: { timeoutMs: number; http: OutgoingHttp; now?: () => number },
): Promise<string> {
  const now = opts.now ?? Date.now;
  const key = `${credentialId}:${createHash('sha256')
    .update(JSON.stringify([inputs.tokenUrl, inputs.clientId, inputs.clientSecret, inputs.scopes]))
    .digest('hex')}`;
  const cached = cache.get(key);
  if (cached && cached.expiresAt - EARLY_MS > now()) return cached.accessToken;
  let pending = inFlight.get(key);
  if (!pending) {
    pending = requestToken(inputs, opts, now).finally(() => inFlight.delete(key));
    inFlight.set(key, pending);
  }
  const token = await pending;
  cache.set(key, token);
  return token.accessToken;
}

async function requestToken(inputs: Record<string, string>, opts: { timeoutMs: number; http: OutgoingHttp }, now: () => number): Promise<CachedToken> {
  const tokenUrl = new URL(inputs.tokenUrl ?? '');
  const as: oauth.AuthorizationServer = { issuer: tokenUrl.origin, token_endpoint: tokenUrl.href };
  const client: oauth.Client = { client_id: inputs.clientId ?? '' };
  const parameters: Record<string, string> = inputs.scopes ? { scope: inputs.scopes } : {};
  const response = await oauth.clientCredentialsGrantRequest(
    as,
    client,
    oauth.ClientSecretBasic(inputs.clientSecret ?? ''),
    parameters,
    tokenRequestOptions(tokenUrl, opts),
  );
  const result = await oauth.processClientCredentialsResponse(as, client, response);
  return { accessToken: result.access_token, expiresAt: now() + (result.expires_in ?? 3600) * 1000 };
}
