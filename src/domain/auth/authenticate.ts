import type { Db } from '../../db/client';
import type { Actor } from '../actor';
import { UnauthenticatedError } from '../errors';
import { authenticateApiToken, looksLikeApiToken } from './api-tokens';
import { authenticateEmbeddedUser } from './embedded-users';

/**
 * Turns an Authorization header into an actor. No header means anonymous (null); a header that does not
 * authenticate is an error, so a client with a broken token learns it at once instead of seeing empty data.
 * `apiTokens` is the server's cached authentication (cached-api-tokens.ts); without it, one lookup per request.
 */
export async function authenticate(
  db: Db,
  authorization: string | null,
  apiTokens: (token: string) => Promise<Actor | null> = (token) => authenticateApiToken(db, token),
): Promise<Actor | null> {
  if (!authorization) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (!match) throw new UnauthenticatedError('The Authorization header must be "Bearer <token>".');
  const token = match[1]!;
  if (looksLikeApiToken(token)) {
    const actor = await apiTokens(token);
    if (!actor) throw new UnauthenticatedError('Invalid or revoked API token.');
    return actor;
  }
  return authenticateEmbeddedUser(db, token);
}
