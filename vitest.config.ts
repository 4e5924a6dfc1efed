import { defineConfig } from 'vitest/config';

// Database tests start embedded PostgreSQL (PGlite) and create scratch databases: give them
// time, and keep each test file in its own process so one file's server cannot leak into another.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // one temporary root a run, removed at its end (test/global-setup.ts)
    globalSetup: ['test/global-setup.ts'],
  },
});
