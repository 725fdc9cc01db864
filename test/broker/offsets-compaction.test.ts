// __consumer_offsets is a compacted topic: after many commits of the same group/partition its segments
// shrink to about one record per key, a deleted group's tombstones stay out of the replay, and a restart
// still finds every group's latest commit.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DeleteGroupsApi, OffsetCommitApi, OffsetFetchApi } from '../../src/protocol/index.js';
import { createTopic, startBroker } from '../helpers/broker.js';
import { logFileBytes } from '../helpers/log-files.js';
import { removeTempDirs } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';
import type { WireClient } from '../helpers/wire-client.js';

afterAll(removeTempDirs);

const OPTIONS = { offsetsTopicSegmentBytes: 8 * 1024, logCleaner: { backoffMs: 20 } };

function logBytes(dataDir: string): Promise<number> {
  return logFileBytes(join(dataDir, '__internal', '__consumer_offsets-0'));
}

async function commit(client: WireClient, groupId: string, offset: number) {
  const res = await client.request(OffsetCommitApi, {
    groupId,
    generationId: -1,
    memberId: '',
    groupInstanceId: null,
    topics: [{ name: 'work', partitions: [{ partition: 0, offset, leaderEpoch: -1, metadata: null }] }],
  });
  expect(res.topics[0]!.partitions[0]!.errorCode).toBe(0);
}

async function committed(client: WireClient, groupId: string): Promise<number> {
  const res = await client.request(OffsetFetchApi, {
    groupId,
    topics: [{ name: 'work', partitions: [0] }],
    requireStable: false,
  });
  return res.topics[0]?.partitions[0]?.offset ?? -1;
}

describe('__consumer_offsets compaction', () => {
  it('shrinks after many commits, keeps the latest commit of every group, and forgets a deleted group', async () => {
    const first = await startBroker(OPTIONS);
    const client = await first.client();
    expect((await createTopic(client, 'work')).errorCode).toBe(0);
    const COMMITS = 1500;
    for (let i = 1; i <= COMMITS; i++) await commit(client, i % 2 === 0 ? 'even' : 'odd', i);
    await commit(client, 'gone', 7);
    expect((await client.request(DeleteGroupsApi, { groups: ['gone'] })).results[0]!.errorCode).toBe(0);
    // Roughly 50 bytes a commit were appended; cleaned, a few keys are left in sealed segments.
    const appended = COMMITS * 50;
    await waitFor(async () => (await logBytes(first.dataDir)) < appended / 5, {
      timeoutMs: 20_000,
      message: '__consumer_offsets to shrink',
    });
    expect(await committed(client, 'even')).toBe(COMMITS);
    expect(await committed(client, 'odd')).toBe(COMMITS - 1);
    await first.stop();

    const second = await startBroker({ ...OPTIONS, dataDir: first.dataDir });
    const again = await second.client();
    expect(await committed(again, 'even')).toBe(COMMITS);
    expect(await committed(again, 'odd')).toBe(COMMITS - 1);
    expect(await committed(again, 'gone')).toBe(-1);
    await second.stop();
  }, 60_000);
});
