import { expect, it } from 'vitest';
import { formatPath } from './path';

it('formats zod paths as dotted names with [index] and quoted non-identifier keys', () => {
  expect(formatPath(['connections', 0, 'inputs', 2, 'type'])).toBe('connections[0].inputs[2].type');
  expect(formatPath(['request', 'headers', 'X-Api-Key'])).toBe('request.headers["X-Api-Key"]');
  expect(formatPath([0, 'key'])).toBe('[0].key');
  expect(formatPath([Symbol('s'), '$ok_1'])).toBe('[Symbol(s)].$ok_1');
  expect(formatPath([])).toBe('');
});
