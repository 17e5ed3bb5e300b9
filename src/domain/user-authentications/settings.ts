import type { FieldErrors } from '../errors';

/** What a non-interactive run does when its acting user has no working authentication (seed 002). */
export const USER_AUTH_POLICIES = ['FALLBACK_TO_CONNECTOR_USER', 'FALLBACK_WITH_WARNING', 'PAUSE_UNTIL_AUTHENTICATED', 'END_WITH_ERROR'] as const;
export type UserAuthPolicy = (typeof USER_AUTH_POLICIES)[number];

/** A connection's user authentications: off (the default) runs every step as the connector user, as before. */
export type UserAuthenticationSettings = { enabled: boolean; nonInteractivePolicy: UserAuthPolicy };

export const USER_AUTHENTICATION_OFF: UserAuthenticationSettings = { enabled: false, nonInteractivePolicy: 'FALLBACK_TO_CONNECTOR_USER' };

export type UserAuthenticationInput = { enabled?: boolean | null; nonInteractivePolicy?: string | null };

/**
 * Checks a connection's user-authentication settings (the policy in upper or lower case); `supported` says
 * whether the component connection declares `supportsUserAuthentication`. Problems go to `field`.
 */
export function checkUserAuthentication(
  input: UserAuthenticationInput | null | undefined,
  supported: { label: string; supports: boolean } | null,
  errors: FieldErrors,
  field: string,
): UserAuthenticationSettings | null {
  if (input == null) return null;
  const policyText = input.nonInteractivePolicy ?? 'FALLBACK_TO_CONNECTOR_USER';
  const policy = USER_AUTH_POLICIES.find((known) => known === policyText.trim().toUpperCase());
  if (!policy) errors.add(field, `nonInteractivePolicy must be one of ${USER_AUTH_POLICIES.join(', ')} (lowercase accepted).`);
  const enabled = input.enabled ?? false;
  if (enabled && supported && !supported.supports) errors.add(field, unsupportedUserAuthentication(supported.label));
  return policy ? { enabled, nonInteractivePolicy: policy } : null;
}

/** Why user authentications cannot be enabled on a connection: one wording for reusable and inline connections. */
export function unsupportedUserAuthentication(connectionLabel: string): string {
  return `Connection "${connectionLabel}" does not support user authentications (only OAuth 2.0 authorization-code connections that declare it do).`;
}
