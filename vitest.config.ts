import { defineConfig } from 'vitest/config';

const shared = {
  globalSetup: ['test/global-setup.ts'],
  testTimeout: 30_000,
  hookTimeout: 60_000,
};

export default defineConfig({
  test: {
    // Two cores: more workers only queue on the CPU and the shared Postgres.
    maxWorkers: 2,
    projects: [
      {
        test: { ...shared, name: 'api', include: ['src/**/*.test.ts', 'test/**/*.test.ts'], exclude: ['test/engine/**'], sequence: { groupOrder: 0 } },
      },
      {
        // Engine tests start workers that take any queued execution in the database, and some assert which
        // worker ran what: they run one file at a time, after the rest.
        test: { ...shared, name: 'engine', include: ['test/engine/**/*.test.ts'], fileParallelism: false, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
