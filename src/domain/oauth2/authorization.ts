import { createHash, randomBytes } from 'node:crypto';
import { and, eq, lt } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { oauth2ConsumedStates, userAuthentications, users } from '../../db/tables';
import type { Vault } from '../../vault/vault';
import type { Actor } from '../actor';
import { FieldErrors } from '../errors';
import { getOrganization } from '../organizations/organizations';
import { originOf } from '../organizations/redirect-origins';
import { connectionOfRef } from '../user-authentications/connection-refs';
import { ensureUserAuthentication } from '../user-authentications/enabled-connections';
import { AUTHORIZATION_STATE_TTL_MS, openState, sealState, stateHashOf, type AuthorizationState, type StateHolder } from './authorization-state';
import { holderTarget, loadHolder, openClientInputs, type HolderTarget, type OAuth2Client, type OAuth2Holder } from './holders';

/** Where providers send the browser back; registered at the provider as the app's redirect URI. */
export const OAUTH2_CALLBACK_PATH = '/oauth2/callback';
const CLOCK_SKEW_MARGIN_MS = 5 * 60_000;

export type AuthorizationUris = {
  /** Where the browser returns after the callback; its origin must be allowed by the organization. */
  redirectUri: string | null;
  /** This server's `GET /oauth2/callback`, registered at the provider as the redirect URI. */
  callbackUri: string;
};

export type StartAuthorizationInput = AuthorizationUris & { target: HolderTarget };

export type StartedAuthorization = { authorizeUrl: string; expiresAt: Date };

/** Starts an authorization-code flow for a holder the caller names (see authorizeUrlFor). */
export async function startAuthorization(db: DbOrTx, vault: Vault, actor: Actor, input: StartAuthorizationInput): Promise<StartedAuthorization> {
  const holder = await loadHolder(db, actor, input.target);
  return authorizeUrlFor(db, vault, actor, { client: holder, holder: await stateHolderOf(db, holder) }, input);
}

/** A user authentication is named by its connection, like one the callback has yet to create. */
async function stateHolderOf(db: DbOrTx, holder: OAuth2Holder): Promise<StateHolder> {
  if (holder.kind !== 'USER_AUTHENTICATION') return { kind: holder.kind, holderId: holder.holderId };
  const [row] = await db
    .select({ connectionRef: userAuthentications.connectionRef })
    .from(userAuthentications)
    .where(eq(userAuthentications.id, holder.holderId));
  return { kind: 'USER_AUTHENTICATION', connectionRef: row!.connectionRef };
}

/**
 * The provider's URL that authorizes `client` for `holder`: a sealed single-use `state` bound to the
 * organization, the holder, the caller and both URIs (10 minutes), PKCE S256 always. Writes nothing, so
 * reading a URL in a query is free; the callback records the state when it is used.
 */
export async function authorizeUrlFor(
  db: DbOrTx,
  vault: Vault,
  actor: Actor,
  target: { client: OAuth2Client; holder: StateHolder },
  uris: AuthorizationUris,
): Promise<StartedAuthorization> {
  const errors = new FieldErrors();
  if (uris.redirectUri != null) {
    const origin = originOf(uris.redirectUri);
    const allowed = (await getOrganization(db, actor)).allowedRedirectOrigins;
    if (!origin) errors.add('redirectUri', 'Must be an http(s) URL.');
    else if (!allowed.includes(origin)) errors.add('redirectUri', `Origin ${origin} is not in the organization's allowedRedirectOrigins.`);
  }
  const client = await openClientInputs(db, vault, target.client);
  const authorizeUrl = client.authorizeUrl ? safeUrl(client.authorizeUrl) : null;
  if (!authorizeUrl) errors.add('target', 'The connection has no valid authorizeUrl input.');
  if (!client.clientId) errors.add('target', 'The connection has no clientId input: set it on the connection first.');
  errors.throwIfAny();

  const codeVerifier = randomBytes(32).toString('base64url');
  const expiresAt = new Date(Date.now() + AUTHORIZATION_STATE_TTL_MS);
  const state = sealState(vault, {
    orgId: actor.orgId,
    userId: actor.userId,
    holder: target.holder,
    redirectUri: uris.redirectUri,
    callbackUri: uris.callbackUri,
    codeVerifier,
    expiresAt: expiresAt.getTime(),
  });

  const url = authorizeUrl!;
  for (const [name, value] of Object.entries(target.client.connection.definition.authorizeParams ?? {})) url.searchParams.set(name, value);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', client.clientId);
  url.searchParams.set('redirect_uri', uris.callbackUri);
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
 * Takes a callback's state: opened, checked, and recorded as used (a second use finds the record and is
 * refused). The holder is loaded as the user who started the flow, so one who lost access meanwhile cannot
 * complete it, and a state can only name holders that user's organization can see. `now` is the clock.
 */
export async function consumeState(db: DbOrTx, vault: Vault, state: string, now = Date.now()): Promise<ConsumedAuthorization> {
  const opened = openState(vault, state);
  if (!opened) throw new AuthorizationStateRefused('invalid_state', null);
  if (opened.expiresAt < now) throw new AuthorizationStateRefused('expired_state', opened.redirectUri);
  const refused = () => new AuthorizationStateRefused('invalid_state', opened.redirectUri);
  const [user] = await db
    .select()
    .from(users)
    .where(and(eq(users.id, opened.userId), eq(users.orgId, opened.orgId)));
  if (!user) throw refused();
  await markUsed(db, state, opened, now);
  const actor: Actor = { orgId: user.orgId, userId: user.id, role: user.role, customerId: user.customerId };
  const holder = await holderOf(db, actor, opened.holder).catch(() => {
    throw refused();
  });
  return { holder, redirectUri: opened.redirectUri, callbackUri: opened.callbackUri, codeVerifier: opened.codeVerifier };
}

/**
 * Records a state as used, refusing one already used. Used states are forgotten once they would have
 * expired anyway, with a margin for processes whose clocks disagree by a little.
 */
async function markUsed(db: DbOrTx, state: string, opened: AuthorizationState, now: number) {
  await db.delete(oauth2ConsumedStates).where(lt(oauth2ConsumedStates.expiresAt, new Date(now - CLOCK_SKEW_MARGIN_MS)));
  const [recorded] = await db
    .insert(oauth2ConsumedStates)
    .values({ stateHash: stateHashOf(state), orgId: opened.orgId, expiresAt: new Date(opened.expiresAt) })
    .onConflictDoNothing()
    .returning({ stateHash: oauth2ConsumedStates.stateHash });
  // A replay learns nothing, not even where the first use went back to.
  if (!recorded) throw new AuthorizationStateRefused('invalid_state', null);
}

async function holderOf(db: DbOrTx, actor: Actor, holder: StateHolder): Promise<OAuth2Holder> {
  if (holder.kind !== 'USER_AUTHENTICATION') return loadHolder(db, actor, holderTarget(holder.kind, holder.holderId));
  const connection = connectionOfRef(holder.connectionRef);
  if (!connection) throw new AuthorizationStateRefused('invalid_state', null);
  return loadHolder(db, actor, { typeName: 'UserAuthentication', id: await ensureUserAuthentication(db, actor, connection) });
}
