/**
 * Label values chosen by clients (operation names) or by organizations (component keys) would let anyone grow
 * the metrics without bound. Names that look like names are kept up to `max` distinct values; anything else,
 * and every name past the cap, is `OTHER`.
 */
export const OTHER = 'other';

const NAME = /^[_A-Za-z][_0-9A-Za-z.-]{0,63}$/;

export function boundedLabel(max: number) {
  const seen = new Set<string>();
  return (value: string): string => {
    if (seen.has(value)) return value;
    if (!NAME.test(value) || seen.size >= max) return OTHER;
    seen.add(value);
    return value;
  };
}
