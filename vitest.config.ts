import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Rebuilds dist/ when a source is newer (the CLI and package tests run the build).
    globalSetup: ['test/setup/fresh-dist.ts'],
    // Kills the brokers and etcds a test file left running (a test that timed out before its cleanup).
    setupFiles: ['test/setup/reap-children.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // The machine has 2 cores; e2e tests start real broker processes.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
});
