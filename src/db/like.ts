/** Escapes LIKE wildcards so a user's `%` or `_` in a `…_Icontains` filter matches literally. */
export function escapeLike(value: string) {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}
