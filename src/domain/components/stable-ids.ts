import { createHash } from 'node:crypto';

/*
 * Built-in components, and the connections and input fields inside every component, are not rows, yet
 * clients keep their ids (in scripts, in exported config). So these ids are derived from names: the same
 * name gives the same id in every process, deployment and tenant, and a new catalog release keeps them.
 */

/** A UUID derived from a name: the first 16 bytes of its SHA-256, with RFC 9562 version 5 and variant bits. */
export function stableUuid(name: string): string {
  const bytes = createHash('sha256').update(name, 'utf8').digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export const builtinComponentId = (componentKey: string) => stableUuid(`builtin-component:${componentKey}`);

export const connectionId = (componentId: string, connectionKey: string) => stableUuid(`${componentId}:connection:${connectionKey}`);

export const inputFieldId = (connectionId: string, inputKey: string) => stableUuid(`${connectionId}:input:${inputKey}`);

export const actionId = (componentId: string, actionKey: string) => stableUuid(`${componentId}:action:${actionKey}`);
