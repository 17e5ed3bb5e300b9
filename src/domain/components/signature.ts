import { createHash } from 'node:crypto';
import type { ComponentDefinition } from './types';

/**
 * Prismatic's component signature identifies one build of a component. A component here is its definition,
 * so the signature is the SHA-256 of that definition with object keys sorted: it changes exactly when an
 * import changes what the component does, and is the same in every tenant that has the same definition.
 */
export function componentSignature(definition: ComponentDefinition): string {
  return createHash('sha256').update(canonicalJson(definition)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
