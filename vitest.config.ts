import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts', 'ingest/**/*.test.ts', 'search/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // PGlite instances are memory-hungry WASM heaps; two forks match the two cores.
    pool: 'forks',
    maxWorkers: 2,
  },
});
