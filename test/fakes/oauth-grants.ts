import { createHash, randomBytes } from 'node:crypto';

/**
 * The token bookkeeping of the fake OAuth2 provider, without HTTP: token families, refresh-token
 * rotation with reuse detection, authorization codes with PKCE. Kept apart so the server file only
 * speaks the protocol.
 */

export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token?: string;
  scope?: string;
}

export type RefreshTokenState = 'current' | 'rotated' | 'revoked' | 'unknown';

export interface GrantOptions {
  accessTokenTtlSeconds: number;
  rotateRefreshTokens: boolean;
  revokeFamilyOnReuse: boolean;
  now: () => number;
}

/** An RFC 6749 §5.2 error (or a 401/500 shaped like one). */
export class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    description: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(description);
  }
}

interface Family {
  clientId: string;
  subject: string;
  scope: string;
  current: string;
  revoked: boolean;
}

interface AccessToken {
  familyId: string | null;
  clientId: string;
  subject: string;
  scope: string;
  expiresAt: number;
}

export interface CodeRequest {
  clientId: string;
  /** Null when the authorization request named none; then the exchange need not name one either. */
  redirectUri: string | null;
  subject: string;
  scope: string;
  codeChallenge: string | null;
  challengeMethod: 'S256' | 'plain';
}

interface AuthorizationCode extends CodeRequest {
  expiresAt: number;
  /** undefined until exchanged; then the family it created, so a replayed code can revoke it. */
  exchangedInto?: string;
}

const CODE_TTL_MS = 60_000;

export class OAuthGrants {
  private readonly families = new Map<string, Family>();
  /** Every refresh token ever issued (current and spent) → its family. */
  private readonly refreshTokens = new Map<string, string>();
  private readonly accessTokens = new Map<string, AccessToken>();
  private readonly codes = new Map<string, AuthorizationCode>();

  constructor(private readonly options: GrantOptions) {}

  clientCredentials(clientId: string, scope: string): TokenResponse {
    // RFC 6749 §4.4.3: no refresh token for client credentials.
    return this.mintAccessToken(null, clientId, clientId, scope);
  }

  createCode(request: CodeRequest): string {
    const code = opaque('code');
    this.codes.set(code, { ...request, expiresAt: this.options.now() + CODE_TTL_MS });
    return code;
  }

  exchangeCode(clientId: string, input: { code?: string; redirectUri?: string; codeVerifier?: string }): TokenResponse {
    const code = input.code === undefined ? undefined : this.codes.get(input.code);
    if (!code || code.clientId !== clientId || code.expiresAt < this.options.now()) {
      throw invalidGrant('The authorization code is invalid or expired');
    }
    if (code.exchangedInto !== undefined) {
      // RFC 6749 §4.1.2: a code used twice revokes the tokens it issued.
      this.revokeFamily(code.exchangedInto);
      throw invalidGrant('The authorization code was already used');
    }
    if (code.redirectUri !== null && input.redirectUri !== code.redirectUri) {
      throw invalidGrant('redirect_uri does not match the authorization request');
    }
    if (code.codeChallenge !== null && !pkceMatches(code, input.codeVerifier)) {
      throw invalidGrant('PKCE verification failed');
    }
    const { familyId, tokens } = this.mintFamily(clientId, code.subject, code.scope);
    code.exchangedInto = familyId;
    return tokens;
  }

  refresh(clientId: string, presented: string): TokenResponse {
    const familyId = this.refreshTokens.get(presented);
    const family = familyId === undefined ? undefined : this.families.get(familyId);
    if (!familyId || !family || family.clientId !== clientId || family.revoked) {
      throw invalidGrant('The refresh token is invalid or revoked');
    }
    if (family.current !== presented) {
      // A spent token came back: a race between refreshers or a thief. Providers cannot tell which.
      if (this.options.revokeFamilyOnReuse) this.revokeFamily(familyId);
      throw invalidGrant('The refresh token was already used');
    }
    const tokens = this.mintAccessToken(familyId, clientId, family.subject, family.scope);
    if (this.options.rotateRefreshTokens) {
      family.current = opaque('rt');
      this.refreshTokens.set(family.current, familyId);
    }
    return { ...tokens, refresh_token: family.current };
  }

  /** The token's owner when it is live; null when unknown, expired or revoked. */
  checkAccessToken(accessToken: string): { subject: string; clientId: string; scope: string } | null {
    const token = this.accessTokens.get(accessToken);
    if (!token || token.expiresAt <= this.options.now()) return null;
    if (token.familyId !== null && this.families.get(token.familyId)?.revoked) return null;
    return { subject: token.subject, clientId: token.clientId, scope: token.scope };
  }

  mintFamily(clientId: string, subject: string, scope: string, expiresInSeconds?: number) {
    const familyId = opaque('fam');
    const refreshToken = opaque('rt');
    this.families.set(familyId, { clientId, subject, scope, current: refreshToken, revoked: false });
    this.refreshTokens.set(refreshToken, familyId);
    const access = this.mintAccessToken(familyId, clientId, subject, scope, expiresInSeconds);
    return { familyId, tokens: { ...access, refresh_token: refreshToken } };
  }

  refreshTokenState(refreshToken: string): RefreshTokenState {
    const family = this.familyOf(refreshToken);
    if (!family) return 'unknown';
    if (family.revoked) return 'revoked';
    return family.current === refreshToken ? 'current' : 'rotated';
  }

  currentRefreshToken(anyRefreshTokenOfFamily: string): string | null {
    const family = this.familyOf(anyRefreshTokenOfFamily);
    return family && !family.revoked ? family.current : null;
  }

  revoke(anyRefreshTokenOfFamily: string): void {
    const familyId = this.refreshTokens.get(anyRefreshTokenOfFamily);
    if (familyId !== undefined) this.revokeFamily(familyId);
  }

  private mintAccessToken(
    familyId: string | null,
    clientId: string,
    subject: string,
    scope: string,
    expiresInSeconds = this.options.accessTokenTtlSeconds,
  ): TokenResponse {
    const accessToken = opaque('at');
    const expiresAt = this.options.now() + expiresInSeconds * 1000;
    this.accessTokens.set(accessToken, { familyId, clientId, subject, scope, expiresAt });
    return {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: expiresInSeconds,
      ...(scope ? { scope } : {}),
    };
  }

  private familyOf(refreshToken: string): Family | undefined {
    const familyId = this.refreshTokens.get(refreshToken);
    return familyId === undefined ? undefined : this.families.get(familyId);
  }

  private revokeFamily(familyId: string): void {
    const family = this.families.get(familyId);
    if (family) family.revoked = true;
  }
}

export function invalidGrant(description: string): OAuthError {
  return new OAuthError(400, 'invalid_grant', description);
}

function opaque(prefix: string): string {
  return `${prefix}_${randomBytes(24).toString('base64url')}`;
}

function pkceMatches(code: CodeRequest, verifier: string | undefined): boolean {
  if (!verifier) return false;
  const derived = code.challengeMethod === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier;
  return derived === code.codeChallenge;
}
