import { invalid } from '../errors';

/** Components whose key is in `keys` or whose label is in `labels`. */
export type KeyOrLabelFilter = { keys: string[]; labels: string[] };

const SUPPORTED = 'Supported: ["in", "key" or "label", [strings]] terms, alone or joined by "or".';

/**
 * Prismatic's `filterQuery` is a small expression language; prism's `components:list --search` sends
 * `["or", ["in", "key", [...]], ["in", "label", [...]]]`. That form (and its single terms) is understood;
 * anything else is refused rather than ignored, so a filter never silently matches everything.
 */
export function parseComponentFilterQuery(query: unknown): KeyOrLabelFilter {
  const filter: KeyOrLabelFilter = { keys: [], labels: [] };
  const terms = Array.isArray(query) && query[0] === 'or' ? query.slice(1) : [query];
  for (const term of terms) {
    if (!Array.isArray(term) || term.length !== 3 || term[0] !== 'in' || !Array.isArray(term[2])) throw invalid('filterQuery', SUPPORTED);
    const [, field, values] = term as [string, unknown, unknown[]];
    if (!values.every((value): value is string => typeof value === 'string')) throw invalid('filterQuery', SUPPORTED);
    if (field === 'key') filter.keys.push(...values);
    else if (field === 'label') filter.labels.push(...values);
    else throw invalid('filterQuery', SUPPORTED);
  }
  return filter;
}
