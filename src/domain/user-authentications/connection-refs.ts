/** How a user authentication and a waiting execution name the connection: one text for both. */
export const scopedConnectionRef = (scopedConfigVariableId: string) => `scv:${scopedConfigVariableId}`;
export const inlineConnectionRef = (instanceId: string, configVariableKey: string) => `inline:${instanceId}/${configVariableKey}`;

/** A connection users authenticate on: a reusable connection, or one instance's inline connection. */
export type UserAuthenticationConnection =
  { kind: 'scoped'; scopedConfigVariableId: string } | { kind: 'inline'; instanceId: string; configVariableKey: string };

/** The connection a ref names (the inverse of the two refs above). */
export function connectionOfRef(ref: string): UserAuthenticationConnection | null {
  if (ref.startsWith('scv:')) return { kind: 'scoped', scopedConfigVariableId: ref.slice(4) };
  const slash = ref.indexOf('/');
  if (!ref.startsWith('inline:') || slash < 0) return null;
  return { kind: 'inline', instanceId: ref.slice('inline:'.length, slash), configVariableKey: ref.slice(slash + 1) };
}
