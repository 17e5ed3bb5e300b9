import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Vault } from '../../vault/vault';

/** How long a handed-out authorization URL can be completed. */
export const AUTHORIZATION_STATE_TTL_MS = 10 * 60_000;
const PURPOSE = 'oauth2-state/v1';

/**
 * Who an authorization's tokens go to: a holder that exists, or for a user authentication the connection
 * it is on (its row is created by the callback, so handing out a URL writes nothing).
 */
export type StateHolder =
  | { kind: 'CUSTOMER_CONFIG_VARIABLE' | 'CONNECTOR_AUTH' | 'INSTANCE_CONFIG_VARIABLE'; holderId: string }
  | { kind: 'USER_AUTHENTICATION'; connectionRef: string };

const stateSchema = z.object({
  orgId: z.string(),
  userId: z.string(),
  holder: z.discriminatedUnion('kind', [
    z.object({ kind: z.enum(['CUSTOMER_CONFIG_VARIABLE', 'CONNECTOR_AUTH', 'INSTANCE_CONFIG_VARIABLE']), holderId: z.string() }),
    z.object({ kind: z.literal('USER_AUTHENTICATION'), connectionRef: z.string() }),
  ]),
  redirectUri: z.string().nullable(),
  callbackUri: z.string(),
  /** The PKCE verifier: sealed inside the state, so only this server can redeem the code it protects. */
  codeVerifier: z.string(),
  expiresAt: z.number(),
});

/**
 * Everything the callback needs to finish an authorization, carried by the `state` itself: bound to the
 * organization, the user who started it, the holder and both URIs, and expiring.
 */
export type AuthorizationState = z.infer<typeof stateSchema> & { holder: StateHolder };

/** The `state` parameter: sealed with a key only this server (any of its processes) holds, so it cannot be read or forged. */
export const sealState = (vault: Vault, state: AuthorizationState): string => vault.sealToken(PURPOSE, JSON.stringify(state));

/** The authorization a `state` carries; null for one this server did not seal, or altered in any byte. */
export function openState(vault: Vault, state: string): AuthorizationState | null {
  const plaintext = vault.openToken(PURPOSE, state);
  if (plaintext == null) return null;
  const parsed = stateSchema.safeParse(JSON.parse(plaintext));
  return parsed.success ? parsed.data : null;
}

/** What marks a state as used: the hash of its bytes (not its text, which base64 can spell more than one way). */
export const stateHashOf = (state: string) => createHash('sha256').update(Buffer.from(state, 'base64url')).digest('hex');
