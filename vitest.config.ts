import { defineConfig } from 'vitest/config';

// Pure in-process tests (bytes in, bytes out: no broker process, no module mocks, no global state they
// leave behind) share one module graph per worker; everything else gets a fresh one per file.
const SHARED_MODULE_DIRS = ['test/storage', 'test/protocol', 'test/records'];

export default defineConfig({
  test: {
    // Rebuilds dist/ when a source is newer (the CLI and package tests run the build).
    globalSetup: ['test/setup/fresh-dist.ts'],
    // Kills the brokers and etcds a test file left running (a test that timed out before its cleanup).
    setupFiles: ['test/setup/reap-children.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // The machine has 2 cores; e2e tests start real broker processes.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: SHARED_MODULE_DIRS.map((dir) => `${dir}/**/*.test.ts`),
          isolate: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: SHARED_MODULE_DIRS.map((dir) => `${dir}/**`),
        },
      },
    ],
  },
});
