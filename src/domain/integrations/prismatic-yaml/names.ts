/**
 * How Prismatic names things that tenantflow names differently. Prismatic refers to a step by its name in
 * camelCase (`Get tickets` → `getTickets`), to a webhook trigger's parts under `results`, and to the item
 * of a loop as `<loopKey>.currentItem`.
 */

/** Prismatic's step key: the step name in camelCase, as lodash's camelCase writes it. */
export function stepKeyOf(name: string): string {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter((word) => word !== '')
    .map((word) => word.toLowerCase());
  return words.map((word, index) => (index === 0 ? word : word.charAt(0).toUpperCase() + word.slice(1))).join('');
}

/** tenantflow needs a flow stable key; a Prismatic flow without one gets its name as a slug. */
export function slugOf(name: string, fallback: string): string {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 100)
    .replace(/-+$/, '');
  return slug === '' ? fallback : slug;
}

/** `.a`, `[0]`, `["a b"]`, `['a b']` repeated: a property path both Prismatic references and Liquid read alike. */
export const ACCESSORS = /^(?:\.[A-Za-z_$][A-Za-z0-9_$]*|\[\d+\]|\["[^"\\]*"\]|\['[^'\\]*'\])*$/;

/** The built-in Prismatic components tenantflow maps onto its own triggers and loops. */
export const WEBHOOK_TRIGGER = { component: 'webhook-triggers', key: 'webhook' } as const;
export const SCHEDULE_TRIGGER = { component: 'schedule-triggers', key: 'schedule' } as const;
export const LOOP = { component: 'loop', key: 'loopOverItems' } as const;
/** The name exported trigger steps get (Prismatic's default), so templates read `integrationTrigger.results`. */
export const TRIGGER_STEP_NAME = 'Integration Trigger';
/** A webhook trigger's results in Prismatic, and the tenantflow trigger scope each one is. */
export const TRIGGER_PARTS = [
  { prismatic: '.results.body.data', tenantflow: 'body' },
  { prismatic: '.results.queryParameters', tenantflow: 'query' },
  { prismatic: '.results.headers', tenantflow: 'headers' },
] as const;
/** The name a loop's item gets in tenantflow templates: Prismatic has none of its own (`<loopKey>.currentItem`). */
export const loopItemNameOf = (loopKey: string) => `${loopKey}Item`;
