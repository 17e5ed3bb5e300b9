import { invalid } from '../errors';

/** One term of a filter: the field is one of `anyOf`, or contains `contains` (any case). */
export type KeyOrLabelTerm = { field: 'key' | 'label'; anyOf?: string[]; contains?: string };
/** Components matching any of the terms. */
export type KeyOrLabelFilter = KeyOrLabelTerm[];

const SUPPORTED = 'Supported: ["in", "key" or "label", a string or a list of strings] terms, alone or joined by "or".';

/**
 * Prismatic's `filterQuery` is a small expression language; prism's `components:list --search x` sends
 * `["or", ["in", "key", "x"], ["in", "label", "x"]]` (a string: the field contains it). That form, its
 * single terms and list values (the field is one of them) are understood; anything else is refused rather
 * than ignored, so a filter never silently matches everything.
 */
export function parseComponentFilterQuery(query: unknown): KeyOrLabelFilter {
  const terms = Array.isArray(query) && query[0] === 'or' ? query.slice(1) : [query];
  return terms.map((term): KeyOrLabelTerm => {
    if (!Array.isArray(term) || term.length !== 3 || term[0] !== 'in') throw invalid('filterQuery', SUPPORTED);
    const [, field, value] = term as [string, unknown, unknown];
    if (field !== 'key' && field !== 'label') throw invalid('filterQuery', SUPPORTED);
    if (typeof value === 'string') return { field, contains: value };
    if (Array.isArray(value) && value.every((item): item is string => typeof item === 'string')) return { field, anyOf: value };
    throw invalid('filterQuery', SUPPORTED);
  });
}

export function matchesKeyOrLabel(component: { key: string; label: string }, filter: KeyOrLabelFilter): boolean {
  return filter.some((term) => {
    const actual = component[term.field];
    return term.contains != null ? actual.toLowerCase().includes(term.contains.toLowerCase()) : (term.anyOf ?? []).includes(actual);
  });
}
