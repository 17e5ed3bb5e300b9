/** Error reporting shared by rules.ts and step-rules.ts. */
import { formatPath, type PathSegment } from './paths';
import type { ConfigVar } from './types';

export type Report = (path: PathSegment[], message: string) => void;

/** Reports every item whose `field` repeats an earlier item's, pointing back at the first. */
export function reportDuplicates<T>(
  items: readonly T[],
  valueOf: (item: T) => string | undefined,
  pathOf: (index: number) => PathSegment[],
  field: string,
  report: Report,
): void {
  const firstIndex = new Map<string, number>();
  for (const [index, item] of items.entries()) {
    const value = valueOf(item);
    if (value === undefined) continue;
    const first = firstIndex.get(value);
    if (first === undefined) firstIndex.set(value, index);
    else report([...pathOf(index), field], `"${value}" is already the ${field} of ${formatPath(pathOf(first))}`);
  }
}

export function describeConfigVarMismatch(key: string, configVar: ConfigVar | undefined, wanted: string): string {
  if (!configVar) return `"${key}" is not the key of a requiredConfigVar`;
  return `"${key}" is a ${configVar.dataType} config var, not a ${wanted}`;
}
