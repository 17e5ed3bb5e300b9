import type { AuthKind, ConnectionDefinition, CredentialApply } from './types';

/** Prismatic's `Connection.oauth2Type` (reference/prismatic-api.md §7). */
export type OAuth2Type = 'AUTHORIZATION_CODE' | 'CLIENT_CREDENTIALS';

export function oauth2TypeOf(connection: Pick<ConnectionDefinition, 'authKind'>): OAuth2Type | null {
  switch (connection.authKind) {
    case 'oauth2_authorization_code':
      return 'AUTHORIZATION_CODE';
    case 'oauth2_client_credentials':
      return 'CLIENT_CREDENTIALS';
    default:
      return null;
  }
}

/**
 * OAuth2 connections get their token from the token endpoint, not from an input; the runtime exposes the
 * current access token to templates as `connection.accessToken`, so no input may take that name.
 */
export const OAUTH2_ACCESS_TOKEN_KEY = 'accessToken';

export interface RequiredConnectionInput {
  key: string;
  /** Secrets must be PASSWORD inputs so they are encrypted and never shown back (`hasValue` instead). */
  secret: boolean;
}

const CLIENT_CREDENTIALS_INPUTS: RequiredConnectionInput[] = [
  { key: 'tokenUrl', secret: false },
  { key: 'clientId', secret: false },
  { key: 'clientSecret', secret: true },
];
const AUTHORIZATION_CODE_INPUTS: RequiredConnectionInput[] = [{ key: 'authorizeUrl', secret: false }, ...CLIENT_CREDENTIALS_INPUTS];
const PASSWORD_GRANT_INPUTS: RequiredConnectionInput[] = [...CLIENT_CREDENTIALS_INPUTS, { key: 'username', secret: false }, { key: 'password', secret: true }];
const IMPLIED_BASIC_INPUTS: RequiredConnectionInput[] = [
  { key: 'username', secret: false },
  { key: 'password', secret: true },
];

/**
 * Inputs a connection of this kind must declare. `scopes` is optional for OAuth2 and so not listed.
 * basic / username_password need `username` and `password` only when `apply` is implied, because the
 * implied rule reads exactly those; a connection with its own `apply` (zendesk's "email/token:apiToken")
 * names its inputs freely.
 */
export function requiredInputsFor(authKind: AuthKind, hasExplicitApply: boolean): RequiredConnectionInput[] {
  switch (authKind) {
    case 'oauth2_client_credentials':
      return CLIENT_CREDENTIALS_INPUTS;
    case 'oauth2_authorization_code':
      return AUTHORIZATION_CODE_INPUTS;
    case 'oauth2_password':
      return PASSWORD_GRANT_INPUTS;
    case 'basic':
    case 'username_password':
      return hasExplicitApply ? [] : IMPLIED_BASIC_INPUTS;
    default:
      return [];
  }
}

/**
 * The `apply` a connection gets when its definition leaves it out:
 * - basic, username_password: `Authorization: Basic base64(username + ":" + password)` (RFC 7617;
 *   base64 of the UTF-8 bytes, which is what LiquidJS's base64_encode produces);
 * - OAuth2 kinds (oauth2_password: the password grant, RFC 6749 §4.3): `Authorization: Bearer <current access token>` (RFC 6750);
 * - every other kind has no implied rule: api_key_* and bearer must say where the key goes, none sends nothing.
 */
export function impliedApply(authKind: AuthKind): CredentialApply | undefined {
  switch (authKind) {
    case 'basic':
    case 'username_password':
      return {
        headers: {
          Authorization: 'Basic {{ connection.username | append: ":" | append: connection.password | base64_encode }}',
        },
        query: {},
      };
    case 'oauth2_authorization_code':
    case 'oauth2_client_credentials':
    case 'oauth2_password':
      return { headers: { Authorization: `Bearer {{ connection.${OAUTH2_ACCESS_TOKEN_KEY} }}` }, query: {} };
    default:
      return undefined;
  }
}

/** Kinds whose credential is useless unless `apply` puts it somewhere: where it has to go. */
export function explicitApplyTarget(authKind: AuthKind): 'headers' | 'query' | undefined {
  switch (authKind) {
    case 'api_key_header':
    case 'bearer':
      return 'headers';
    case 'api_key_query':
      return 'query';
    default:
      return undefined;
  }
}
