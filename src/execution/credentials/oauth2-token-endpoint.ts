import * as oauth from 'oauth4webapi';
import type { OutgoingHttp } from '../http/outgoing-http';

export type TokenEndpointSettings = { timeoutMs: number; http: OutgoingHttp };
export type OAuth2Client = { tokenUrl: string; clientId: string; clientSecret: string };
export type GrantedTokens = { accessToken: string; refreshToken: string | null; expiresAt: Date | null; scopes: string[] };

/**
 * How oauth4webapi talks to a token endpoint here: through the one way out (egress policy, bounded answer),
 * within the time budget. Plain http only to loopback hosts (local development and tests).
 */
export function tokenRequestOptions(tokenUrl: URL, settings: TokenEndpointSettings): oauth.TokenEndpointRequestOptions {
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(tokenUrl.hostname);
  return {
    signal: AbortSignal.timeout(settings.timeoutMs),
    [oauth.allowInsecureRequests]: loopback,
    [oauth.customFetch]: (url, init) =>
      settings.http.fetchBuffered(url, {
        method: init.method,
        headers: init.headers,
        body: init.body as URLSearchParams,
        redirect: init.redirect,
        signal: init.signal,
      }),
  };
}

function endpoint(client: OAuth2Client) {
  const tokenUrl = new URL(client.tokenUrl);
  const as: oauth.AuthorizationServer = { issuer: tokenUrl.origin, token_endpoint: tokenUrl.href };
  return { tokenUrl, as, client: { client_id: client.clientId } as oauth.Client, auth: oauth.ClientSecretBasic(client.clientSecret) };
}

function granted(result: oauth.TokenEndpointResponse, now: Date, requestedScopes: string[]): GrantedTokens {
  return {
    accessToken: result.access_token,
    refreshToken: result.refresh_token ?? null,
    expiresAt: result.expires_in == null ? null : new Date(now.getTime() + result.expires_in * 1000),
    // RFC 6749 §5.1: a response without `scope` granted what was asked.
    scopes: result.scope ? result.scope.split(' ').filter(Boolean) : requestedScopes,
  };
}

/**
 * RFC 6749 §4.1.3 with the PKCE verifier (RFC 7636), from the callback's query: oauth4webapi checks the
 * state and a provider's `error` (thrown as AuthorizationResponseError) before the code is sent.
 */
export async function exchangeCode(
  client: OAuth2Client,
  input: { callbackParameters: URLSearchParams; expectedState: string; redirectUri: string; codeVerifier: string; requestedScopes: string[] },
  settings: TokenEndpointSettings,
): Promise<GrantedTokens> {
  const { tokenUrl, as, client: c, auth } = endpoint(client);
  const params = oauth.validateAuthResponse(as, c, input.callbackParameters, input.expectedState);
  const response = await oauth.authorizationCodeGrantRequest(
    as,
    c,
    auth,
    params,
    input.redirectUri,
    input.codeVerifier,
    tokenRequestOptions(tokenUrl, settings),
  );
  return granted(await oauth.processAuthorizationCodeResponse(as, c, response), new Date(), input.requestedScopes);
}

/** RFC 6749 §6. A provider that does not rotate keeps the old refresh token valid: `refreshToken` is then null. */
export async function refreshTokens(
  client: OAuth2Client,
  refreshToken: string,
  requestedScopes: string[],
  settings: TokenEndpointSettings,
): Promise<GrantedTokens> {
  const { tokenUrl, as, client: c, auth } = endpoint(client);
  const response = await oauth.refreshTokenGrantRequest(as, c, auth, refreshToken, tokenRequestOptions(tokenUrl, settings));
  return granted(await oauth.processRefreshTokenResponse(as, c, response), new Date(), requestedScopes);
}
