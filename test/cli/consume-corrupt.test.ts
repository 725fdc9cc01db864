// `sluice consume` and `sluice replay` over a partition holding a batch no consumer can decode (issue 11,
// item 3): they handle the records before it, then exit 1 with one sentence naming topic, partition and
// offset, instead of hanging.
import { afterAll, expect, it, vi } from 'vitest';
import { createTopic, produce, batchOf, startBroker } from '../helpers/broker.js';
import { appendBehindTheBroker, undecodableBatch } from '../helpers/poisoned-partition.js';
import { removeTempDirs } from '../helpers/temp-dir.js';
import { WireClient } from '../helpers/wire-client.js';
import { sluice } from './helpers.js';

vi.setConfig({ testTimeout: 60_000 });
afterAll(removeTempDirs);

it('consume and replay handle the records before an undecodable batch, then exit 1 naming it', async () => {
  const first = await startBroker();
  const c = await first.client();
  await createTopic(c, 'c', 1);
  await produce(c, 'c', 0, batchOf(['a', 'b', 'c']));
  c.destroy();
  const { broker, port } = await appendBehindTheBroker(first.broker, first.dataDir, 'c', 0, undecodableBatch());
  try {
    const after = await WireClient.connect(port);
    await produce(after, 'c', 0, batchOf(['e']));
    after.destroy();
    const run = await sluice(['consume', 'c', '--from-beginning', '-e', '-b', `127.0.0.1:${port}`], {
      timeoutMs: 40_000,
    });
    expect(run.stdout).toBe('a\nb\nc\n');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/error: cannot decode the record batch at offset 3 of c-0: gzip data is corrupt/);
    const replay = await sluice(['replay', 'c', '--from', '0', '--into', 'copy', '-b', `127.0.0.1:${port}`], {
      timeoutMs: 40_000,
    });
    expect(replay.code).toBe(1);
    expect(replay.stderr).toMatch(
      /error: replay stopped after copying 3 of 5 records: cannot decode the record batch at offset 3 of c-0: gzip data is corrupt/,
    );
  } finally {
    await broker.stop();
  }
});
