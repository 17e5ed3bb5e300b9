import { describe, expect, it } from 'vitest';
import { boundedForStorage } from './stored-output';

describe('the stored size of run output', () => {
  it('keeps a value that fits, and null as null', () => {
    const value = { items: [1, 2, 3] };
    expect(boundedForStorage(value, 1024)).toBe(value);
    expect(boundedForStorage(undefined, 1024)).toBeNull();
  });

  it('replaces a larger value with a marker whose JSON stays within the limit', () => {
    const value = { blob: 'x'.repeat(10_000) };
    const stored = boundedForStorage(value, 2048) as { truncated: boolean; bytes: number; preview: string; message: string };
    expect(stored.truncated).toBe(true);
    expect(stored.bytes).toBe(JSON.stringify(value).length);
    expect(stored.message).toContain('exceeds the stored limit of 2048 bytes');
    expect(JSON.stringify(value).startsWith(stored.preview)).toBe(true);
    expect(Buffer.byteLength(JSON.stringify(stored))).toBeLessThanOrEqual(2048);
  });
});
