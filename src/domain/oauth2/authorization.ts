import { createHash, randomBytes } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { oauth2AuthorizationStates, users } from '../../db/tables';
import type { Vault } from '../../vault/vault';
import type { Actor } from '../actor';
import { FieldErrors } from '../errors';
import { getOrganization } from '../organizations/organizations';
import { originOf } from '../organizations/redirect-origins';
import { holderTarget, loadHolder, openClientInputs, type HolderTarget, type OAuth2Holder } from './holders';

/** Where providers send the browser back; registered at the provider as the app's redirect URI. */
export const OAUTH2_CALLBACK_PATH = '/oauth2/callback';
export const AUTHORIZATION_STATE_TTL_MS = 10 * 60_000;
const VERIFIER_FIELD = 'oauth2.codeVerifier';

const hashOf = (state: string) => createHash('sha256').update(state).digest('hex');

export type StartAuthorizationInput = {
  target: HolderTarget;
  /** Where the browser returns after the callback; its origin must be allowed by the organization. */
  redirectUri: string | null;
  /** This server's `GET /oauth2/callback`, registered at the provider as the redirect URI. */
  callbackUri: string;
};

/**
 * Starts an authorization-code flow for one credential holder: a random single-use `state` bound to the
 * organization, the holder and the caller (10 minutes), PKCE S256 always. Returns the provider's URL.
 */
export async function startAuthorization(
  db: DbOrTx,
  vault: Vault,
  actor: Actor,
  input: StartAuthorizationInput,
): Promise<{ authorizeUrl: string; expiresAt: Date }> {
  const errors = new FieldErrors();
  if (input.redirectUri != null) {
    const origin = originOf(input.redirectUri);
    const allowed = (await getOrganization(db, actor)).allowedRedirectOrigins;
    if (!origin) errors.add('redirectUri', 'Must be an http(s) URL.');
    else if (!allowed.includes(origin)) errors.add('redirectUri', `Origin ${origin} is not in the organization's allowedRedirectOrigins.`);
  }
  const holder = await loadHolder(db, actor, input.target);
  const client = await openClientInputs(db, vault, holder);
  const authorizeUrl = client.authorizeUrl ? safeUrl(client.authorizeUrl) : null;
  if (!authorizeUrl) errors.add('target', 'The connection has no valid authorizeUrl input.');
  if (!client.clientId) errors.add('target', 'The connection has no clientId input: set it on the connection first.');
  errors.throwIfAny();

  const state = randomBytes(32).toString('base64url');
  const codeVerifier = randomBytes(32).toString('base64url');
  const stateHash = hashOf(state);
  const expiresAt = new Date(Date.now() + AUTHORIZATION_STATE_TTL_MS);
  await db.insert(oauth2AuthorizationStates).values({
    stateHash,
    orgId: actor.orgId,
    userId: actor.userId,
    holderId: holder.holderId,
    holderKind: holder.kind,
    redirectUri: input.redirectUri,
    callbackUri: input.callbackUri,
    codeVerifier: await vault.seal(db, holder.owner, { record: stateHash, field: VERIFIER_FIELD }, codeVerifier),
    expiresAt,
  });

  const url = authorizeUrl!;
  for (const [name, value] of Object.entries(holder.connection.definition.authorizeParams ?? {})) url.searchParams.set(name, value);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', client.clientId);
  url.searchParams.set('redirect_uri', input.callbackUri);
  if (client.scopes) url.searchParams.set('scope', client.scopes);
  url.searchParams.set('state', state);
  url.searchParams.set('code_challenge', createHash('sha256').update(codeVerifier).digest('base64url'));
  url.searchParams.set('code_challenge_method', 'S256');
  return { authorizeUrl: url.href, expiresAt };
}

function safeUrl(text: string): URL | null {
  const url = originOf(text) ? new URL(text) : null;
  return url && !url.username && !url.password ? url : null;
}

export type ConsumedAuthorization = {
  holder: OAuth2Holder;
  redirectUri: string | null;
  callbackUri: string;
  codeVerifier: string;
};

/** Why a callback's state cannot be used: its redirect (when known) gets the code, never details. */
export class AuthorizationStateRefused extends Error {
  constructor(
    readonly code: 'invalid_state' | 'expired_state',
    readonly redirectUri: string | null,
  ) {
    super(code);
  }
}

/**
 * Takes a callback's state: deleted in the same statement that reads it, so it works once. The holder is
 * loaded as the user who started the flow, so one who lost access meanwhile cannot complete it.
 */
export async function consumeState(db: DbOrTx, vault: Vault, state: string): Promise<ConsumedAuthorization> {
  const [row] = await db
    .delete(oauth2AuthorizationStates)
    .where(eq(oauth2AuthorizationStates.stateHash, hashOf(state)))
    .returning();
  if (!row) throw new AuthorizationStateRefused('invalid_state', null);
  if (row.expiresAt.getTime() < Date.now()) throw new AuthorizationStateRefused('expired_state', row.redirectUri);
  const [user] = await db
    .select()
    .from(users)
    .where(and(eq(users.id, row.userId), eq(users.orgId, row.orgId)));
  if (!user) throw new AuthorizationStateRefused('invalid_state', row.redirectUri);
  const actor: Actor = { orgId: user.orgId, userId: user.id, role: user.role, customerId: user.customerId };
  const holder = await loadHolder(db, actor, holderTarget(row.holderKind, row.holderId)).catch(() => {
    throw new AuthorizationStateRefused('invalid_state', row.redirectUri);
  });
  const codeVerifier = await vault.open(db, holder.owner, { record: row.stateHash, field: VERIFIER_FIELD }, row.codeVerifier);
  return { holder, redirectUri: row.redirectUri, callbackUri: row.callbackUri, codeVerifier };
}
