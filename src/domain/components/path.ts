/**
 * Turns a validation path (as zod reports it) into the form users read in error messages and in
 * GraphQL `ErrorType.field`: `connections[0].inputs[2].type`, `request.headers["X-Api-Key"]`.
 * Keys that are not plain identifiers are quoted so a header name or template key stays unambiguous.
 * The empty path (an error about the whole value) is the empty string.
 */
export function formatPath(path: readonly (string | number | symbol)[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (typeof segment === 'symbol') out += `[${segment.toString()}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}
