import { defineConfig } from 'vitest/config';

// A test file runs in a worker process that the files before it used (a fresh process per file costs a
// second or more of start-up and module loading, most of the suite's time on two cores). What a file starts
// (brokers, etcds, clients, servers) it stops itself; the reaper below kills any child process it left.
//
// Files that replace modules, spy on or stub globals, or set environment variables start from a fresh
// module graph (the `isolated` project); every other file shares its worker's modules.
const ISOLATED_FILES = [
  'test/broker/batch-codec-missing.test.ts',
  'test/broker/cluster/partition-replica.test.ts',
  'test/broker/kafka/kafkajs-transactions.test.ts',
  'test/broker/kafka/kafkajs.test.ts',
  'test/broker/kafka/mixed-groups.test.ts',
  'test/broker/security/acl/kafka-acls.test.ts',
  'test/broker/security/quotas/kafka-quotas.test.ts',
  'test/cli/parsing.test.ts',
  'test/client/producer-retry-budget.test.ts',
  'test/reliability/data-dir-lock.test.ts',
];

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
    poolOptions: { forks: { maxForks: 2, minForks: 1, isolate: false } },
    projects: [
      {
        extends: true,
        test: {
          name: 'shared',
          include: ['test/**/*.test.ts'],
          exclude: ISOLATED_FILES,
        },
      },
      {
        extends: true,
        test: {
          name: 'isolated',
          include: ISOLATED_FILES,
          poolOptions: { forks: { isolate: true } },
        },
      },
    ],
  },
});
