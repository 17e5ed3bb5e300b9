import { createHash } from 'node:crypto';
import * as oauth from 'oauth4webapi';
import type { OutgoingHttp } from '../http/outgoing-http';
import { tokenRequestOptions } from './oauth2-token-endpoint';

type CachedToken = { accessToken: string; expiresAt: number };
type TokenOptions = { timeoutMs: number; http: OutgoingHttp; now?: () => number };

const cache = new Map<string, CachedToken>();
const inFlight = new Map<string, Promise<CachedToken>>();
// Renew a little early so a token does not expire between being read and being used.
const EARLY_MS = 30_000;
// Salesforce's password grant answers no expires_in; its sessions last at least this long.
const DEFAULT_LIFETIME_S = 3600;

/**
 * An access token for an OAuth2 client-credentials connection, cached per credential until shortly before it
 * expires. Concurrent steps of one credential share one token request.
 */
export function clientCredentialsToken(credentialId: string, inputs: Record<string, string>, opts: TokenOptions): Promise<string> {
  return cachedToken(credentialId, [inputs.tokenUrl, inputs.clientId, inputs.clientSecret, inputs.scopes], opts, async (as, client, options) => {
    const parameters: Record<string, string> = inputs.scopes ? { scope: inputs.scopes } : {};
    const response = await oauth.clientCredentialsGrantRequest(as, client, oauth.ClientSecretBasic(inputs.clientSecret ?? ''), parameters, options);
    return oauth.processClientCredentialsResponse(as, client, response);
  });
}

/**
 * An access token from the resource owner password grant (RFC 6749 §4.3), e.g. Salesforce's
 * username-password flow: the password is followed by the user's `securityToken` when the connection has
 * one. Client id and secret go in the body, as Salesforce documents. Cached like client credentials.
 */
export function passwordGrantToken(credentialId: string, inputs: Record<string, string>, opts: TokenOptions): Promise<string> {
  const password = `${inputs.password ?? ''}${inputs.securityToken ?? ''}`;
  return cachedToken(
    credentialId,
    [inputs.tokenUrl, inputs.clientId, inputs.clientSecret, inputs.username, password, inputs.scopes],
    opts,
    async (as, client, options) => {
      const parameters: Record<string, string> = { username: inputs.username ?? '', password, ...(inputs.scopes ? { scope: inputs.scopes } : {}) };
      const response = await oauth.genericTokenEndpointRequest(as, client, oauth.ClientSecretPost(inputs.clientSecret ?? ''), 'password', parameters, options);
      return oauth.processGenericTokenEndpointResponse(as, client, response);
    },
  );
}

type Grant = (as: oauth.AuthorizationServer, client: oauth.Client, options: oauth.TokenEndpointRequestOptions) => Promise<oauth.TokenEndpointResponse>;

async function cachedToken(credentialId: string, material: (string | undefined)[], opts: TokenOptions, grant: Grant): Promise<string> {
  const now = opts.now ?? Date.now;
  // The inputs are part of the key, so a rotated secret asks again at once.
  const key = `${credentialId}:${createHash('sha256').update(JSON.stringify(material)).digest('hex')}`;
  const cached = cache.get(key);
  if (cached && cached.expiresAt - EARLY_MS > now()) return cached.accessToken;
  let pending = inFlight.get(key);
  if (!pending) {
    pending = requestToken(material[0], material[1], opts, now, grant).finally(() => inFlight.delete(key));
    inFlight.set(key, pending);
  }
  const token = await pending;
  cache.set(key, token);
  return token.accessToken;
}

async function requestToken(
  tokenUrlText: string | undefined,
  clientId: string | undefined,
  opts: TokenOptions,
  now: () => number,
  grant: Grant,
): Promise<CachedToken> {
  const tokenUrl = new URL(tokenUrlText ?? '');
  const as: oauth.AuthorizationServer = { issuer: tokenUrl.origin, token_endpoint: tokenUrl.href };
  const result = await grant(as, { client_id: clientId ?? '' }, tokenRequestOptions(tokenUrl, opts)).catch((error: unknown) => {
    // The provider's error code says what to fix (invalid_grant: the user's password; invalid_client: the app).
    if (error instanceof oauth.ResponseBodyError) {
      throw new Error(`The token endpoint refused the request: ${error.error}${error.error_description ? ` (${error.error_description.slice(0, 200)})` : ''}`);
    }
    throw error;
  });
  return { accessToken: result.access_token, expiresAt: now() + (result.expires_in ?? DEFAULT_LIFETIME_S) * 1000 };
}
