import { OAUTH2_ACCESS_TOKEN_KEY, oauth2TypeOf } from './auth-kinds';
import { connectionFieldsRead } from './templates';
import type { ConnectionDefinition } from './types';

/*
 * Where a connection's requests go. A secret is only as safe as its destination: whoever may change the
 * base URL (or subdomain, instance URL, token URL) of a connection can send its secret to a server of
 * theirs. So a definition names the inputs that decide the destination, and where it can, the hosts its
 * requests may reach.
 */

// A host name, or "*." followed by one: the wildcard stands for one or more labels (never the bare domain).
const HOST_PATTERN = /^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;

export function isHostPattern(text: string): boolean {
  return HOST_PATTERN.test(text);
}

/** Whether a host may be reached under these patterns; an empty list admits every host. */
export function hostAllowed(host: string, patterns: readonly string[]): boolean {
  if (patterns.length === 0) return true;
  const name = host.toLowerCase().replace(/\.$/, '');
  return patterns.some((pattern) => (pattern.startsWith('*.') ? name.endsWith(pattern.slice(1)) && name.length > pattern.length - 1 : name === pattern));
}

/**
 * The inputs that decide the destination even when a definition does not list them: those its baseUrl
 * reads and, for OAuth2, the token and authorize URLs (the client secret is sent to the token URL).
 */
export function impliedDestinationInputs(connection: Pick<ConnectionDefinition, 'authKind' | 'baseUrl' | 'inputs'>): string[] {
  const keys = new Set(connection.baseUrl ? connectionFieldsRead(connection.baseUrl) : []);
  if (oauth2TypeOf(connection)) for (const key of ['tokenUrl', 'authorizeUrl']) keys.add(key);
  keys.delete(OAUTH2_ACCESS_TOKEN_KEY);
  const declared = new Set(connection.inputs.map((input) => input.key));
  return [...keys].filter((key) => declared.has(key));
}
