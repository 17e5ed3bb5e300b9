import type { Db } from '../db/client';
import { authenticateApiToken, looksLikeApiToken } from '../domain/auth/api-tokens';
import { authenticateEmbeddedUser } from '../domain/auth/embedded-users';
import { domainErrorOf } from '../schema/errors';
import type { Route } from './app';
import { readLimitedBody } from './read-limited-body';

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

// tenantflow has no separate login: an API token is both the "refresh token" and the access token it yields.
const CLIENT_ID = 'tenantflow';

async function accessTokenFor(db: Db, refreshToken: unknown): Promise<Response> {
  if (typeof refreshToken !== 'string' || !looksLikeApiToken(refreshToken) || !(await authenticateApiToken(db, refreshToken))) {
    return json(401, { error: 'invalid_grant', error_description: 'The refresh token is not a valid tenantflow API token.' });
  }
  return json(200, { access_token: refreshToken, token_type: 'Bearer', refresh_token: refreshToken });
}

// A refresh request is a token and a grant type; anything longer is refused unread, since these endpoints
// answer anonymous callers.
const MAX_TOKEN_REQUEST_BYTES = 8_192;
const tooLarge = () => json(413, { error: 'invalid_request', error_description: `The body exceeds ${MAX_TOKEN_REQUEST_BYTES} bytes.` });

async function bodyOf(request: Request): Promise<Record<string, unknown> | undefined> {
  const body = await readLimitedBody(request, MAX_TOKEN_REQUEST_BYTES);
  if (body.tooLarge) return undefined;
  const text = body.bytes.toString('utf8');
  if ((request.headers.get('content-type') ?? '').includes('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(text));
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/**
 * The endpoints Prismatic's clients call outside GraphQL: the embedded SDK's `POST /embedded/authenticate`
 * (an organization-signed JWT, verified and its customer user provisioned exactly as on /api), and the
 * token endpoints prism and terraform use (`GET /auth/meta`, `POST /auth/refresh`, and `POST /oauth/token`,
 * where /auth/meta's `domain` sends prism's refresh), mapped onto tenantflow's API tokens.
 */
export function prismaticAuthRoutes(db: Db, publicUrl: string): Route[] {
  return [
    async (request, url) => {
      if (url.pathname !== '/embedded/authenticate' || request.method !== 'POST') return undefined;
      const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.get('authorization') ?? '');
      if (!match || looksLikeApiToken(match[1]!)) return json(401, { error: 'Send the embedded JWT as "Authorization: Bearer <jwt>".' });
      try {
        await authenticateEmbeddedUser(db, match[1]!);
        return json(200, { authenticated: true });
      } catch (error) {
        const domainError = domainErrorOf(error);
        if (domainError?.code === 'UNAUTHENTICATED') return json(401, { error: domainError.message });
        throw error;
      }
    },
    (request, url) =>
      url.pathname === '/auth/meta' && request.method === 'GET'
        ? json(200, { domain: new URL(publicUrl).host, clientId: CLIENT_ID, audience: new URL(publicUrl).origin })
        : undefined,
    async (request, url) => {
      const refresh = url.pathname === '/auth/refresh' && request.method === 'POST';
      if (!refresh && (url.pathname !== '/oauth/token' || request.method !== 'POST')) return undefined;
      const body = await bodyOf(request);
      if (!body) return tooLarge();
      if (refresh) return accessTokenFor(db, body.refresh_token);
      if (body.grant_type !== 'refresh_token') return json(400, { error: 'unsupported_grant_type', error_description: 'Only grant_type=refresh_token.' });
      return accessTokenFor(db, body.refresh_token);
    },
  ];
}
