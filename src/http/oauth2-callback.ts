import * as oauth from 'oauth4webapi';
import type { Db } from '../db/client';
import { AuthorizationStateRefused, consumeState, OAUTH2_CALLBACK_PATH } from '../domain/oauth2/authorization';
import { openClientInputs } from '../domain/oauth2/holders';
import { storeGrant } from '../domain/oauth2/tokens';
import { resumeWaitingRuns } from '../domain/executions/authentication-waits';
import { exchangeCode } from '../execution/credentials/oauth2-token-endpoint';
import type { OutgoingHttp } from '../execution/http/outgoing-http';
import type { Logger } from '../log';
import type { Vault } from '../vault/vault';
import type { Route } from './app';

export type OAuth2CallbackDeps = {
  db: Db;
  vault: Vault;
  log: Logger;
  http: OutgoingHttp;
  timeoutMs: number;
  /** The clock that decides whether a state has expired. */
  now?: () => number;
};

// Provider error codes are echoed only when they look like RFC 6749 codes; anything else becomes a generic one.
const errorCode = (value: string | null | undefined, fallback: string) => (value && /^[a-z_]{1,64}$/.test(value) ? value : fallback);

/**
 * GET /oauth2/callback: the provider sends the browser here with `code` and `state` (or `error`). The code
 * is exchanged, the tokens stored in the vault, and the browser goes back to the caller's redirectUri with
 * `oauth2=success` or `oauth2=error&error=<code>`; a plain page when there is none. Never a 500 for a
 * provider's or user's doing, and never a token or provider message in the answer.
 */
export function oauth2CallbackRoutes(deps: OAuth2CallbackDeps): Route[] {
  return [
    async (request, url) => {
      if (url.pathname !== OAUTH2_CALLBACK_PATH || request.method !== 'GET') return undefined;
      const state = url.searchParams.get('state');
      if (!state) return page(400, 'invalid_state');
      let redirectUri: string | null = null;
      try {
        const consumed = await consumeState(deps.db, deps.vault, state, (deps.now ?? Date.now)());
        redirectUri = consumed.redirectUri;
        const providerError = url.searchParams.get('error');
        if (providerError) return finish(redirectUri, errorCode(providerError, 'authorization_failed'));
        if (!url.searchParams.get('code')) return finish(redirectUri, 'invalid_request');
        const client = await openClientInputs(deps.db, deps.vault, consumed.holder);
        const requestedScopes = client.scopes.split(' ').filter(Boolean);
        const grant = await exchangeCode(
          client,
          {
            callbackParameters: url.searchParams,
            expectedState: state,
            redirectUri: consumed.callbackUri,
            codeVerifier: consumed.codeVerifier,
            requestedScopes,
          },
          { http: deps.http, timeoutMs: deps.timeoutMs },
        );
        await storeGrant(deps.db, deps.vault, consumed.holder, grant);
        // Runs that paused for this user on this connection continue now (seed 002, "Authentication needed").
        if (consumed.holder.kind === 'USER_AUTHENTICATION') await resumeWaitingRuns(deps.db, consumed.holder.holderId);
        return finish(redirectUri, null);
      } catch (error) {
        if (error instanceof AuthorizationStateRefused) return finish(error.redirectUri, error.code);
        if (error instanceof oauth.ResponseBodyError || error instanceof oauth.AuthorizationResponseError)
          return finish(redirectUri, errorCode(error.error, 'token_request_failed'));
        deps.log.warn({ err: { name: (error as Error).name, message: (error as Error).message } }, 'OAuth 2.0 callback failed');
        return finish(redirectUri, 'token_request_failed');
      }
    },
  ];
}

function finish(redirectUri: string | null, error: string | null): Response {
  if (!redirectUri) return page(error ? 400 : 200, error);
  const target = new URL(redirectUri);
  target.searchParams.set('oauth2', error ? 'error' : 'success');
  if (error) target.searchParams.set('error', error);
  return new Response(null, { status: 303, headers: { location: target.href, 'cache-control': 'no-store' } });
}

function page(status: number, error: string | null): Response {
  const text = error ? `The connection was not authorized (${error}). You can close this window.` : 'The connection is authorized. You can close this window.';
  return new Response(`<!doctype html><title>tenantflow</title><p>${text}</p>`, {
    status,
    headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' },
  });
}
