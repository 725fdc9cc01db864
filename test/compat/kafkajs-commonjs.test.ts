// A CommonJS program written from kafkajs's documentation (test/fixtures/compat/kafkajs-program.cjs), run by
// node against a real broker with `require('sluice')` resolved as a dependency. Uses the built dist/ (rebuilt
// when stale: test/setup/fresh-dist.ts).
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { useBroker } from './helpers.js';
import { userProject } from './workspace.js';

const live = useBroker();

describe('a kafkajs CommonJS program', () => {
  it('runs with only its require changed', async () => {
    const dir = await userProject(['kafkajs-program.cjs'], 'module', ['snappy']);
    const { stdout } = await promisify(execFile)(process.execPath, [join(dir, 'kafkajs-program.cjs')], {
      cwd: dir,
      env: { ...process.env, BROKER: live.brokers[0] },
      timeout: 30_000,
    });
    expect(JSON.parse(stdout)).toEqual({
      partitions: 3,
      received: ['hello world', 'hey hey!'],
      low: [true, true, true],
      codecCalls: true,
      error: { name: 'KafkaJSNumberOfRetriesExceeded', isKafkaJSError: true, nonRetriable: true },
      transaction: 'committed',
    });
  });
});
