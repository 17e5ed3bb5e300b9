import { describe, expect, it } from 'vitest';
import { workerRestartDelayMs } from './worker-supervisor';

describe('workerRestartDelayMs', () => {
  it('doubles from one second per failure in a row, up to 30 seconds', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 50].map(workerRestartDelayMs)).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
  });
});
