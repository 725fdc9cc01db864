// `__share_group_state` stays bounded: once enough was written since the last snapshot the coordinator
// writes a snapshot of the live state and everything before it is dropped; the state survives a restart.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ShareFetchRecordsApi } from '../../helpers/share-fetch.js';
import { ShareAcknowledgeApi, ShareGroupDescribeApi, ShareGroupHeartbeatApi } from '../../../src/protocol/index.js';
import { SHARE_DIR, SHARE_STATE_TOPIC } from '../../../src/broker/share/index.js';
import { batchOf, createTopic, produce, startBroker, type TestBroker } from '../../helpers/broker.js';
import { tempDir } from '../../helpers/temp-dir.js';
import type { WireClient } from '../../helpers/wire-client.js';

let tb: TestBroker | undefined;
afterEach(async () => {
  await tb?.stop();
  tb = undefined;
});

const SNAPSHOT_BYTES = 8192;

const stateDir = (dataDir: string) => join(dataDir, SHARE_DIR, `${SHARE_STATE_TOPIC}-0`);

function stateBytes(dataDir: string): number {
  const dir = stateDir(dataDir);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.log'))
    .reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
}

async function joinWorkers(client: WireClient): Promise<string> {
  const joined = await client.request(ShareGroupHeartbeatApi, {
    groupId: 'workers',
    memberId: '',
    leave: false,
    topics: ['jobs'],
    maxInFlight: 50,
    startFrom: 'earliest',
    lockTimeoutMs: null,
    retry: {
      maxAttempts: 5,
      backoffType: 'fixed',
      initialMs: 60_000,
      multiplierMilli: null,
      maxMs: null,
      jitterPercent: 0,
    },
    deadLetterTopic: null,
  });
  expect(joined.errorCode).toBe(0);
  return joined.memberId;
}

describe('__share_group_state size', () => {
  it('stays bounded while thousands of records are acked, and the state survives a restart', async () => {
    const dataDir = await tempDir();
    const options = { dataDir, shareGroups: { stateSnapshotBytes: SNAPSHOT_BYTES } };
    tb = await startBroker(options);
    let c = await tb.client();
    await createTopic(c, 'jobs', 1);
    const total = 3000;
    for (let i = 0; i < total; i += 500)
      await produce(c, 'jobs', 0, batchOf(Array.from({ length: 500 }, (_, j) => `job-${i + j}`)));
    let member = await joinWorkers(c);
    let largest = 0;
    // Every record is acked except the last two: the one before last is failed once (waiting for a retry a
    // minute away, delivery count 1), the last stays acquired (delivery count 1).
    const failed = total - 2;
    const held = total - 1;
    for (;;) {
      const fetched = await c.request(ShareFetchRecordsApi, {
        groupId: 'workers',
        memberId: member,
        maxRecords: 50,
        maxWaitMs: 0,
        acks: [],
      });
      if (fetched.records.length === 0) break;
      const acks = fetched.records
        .filter((r) => r.offset !== held)
        .map((r) => ({
          topic: 'jobs',
          partition: 0,
          offset: r.offset,
          lastOffset: null,
          type: r.offset === failed ? ('fail' as const) : ('ack' as const),
          errorMessage: r.offset === failed ? 'try later' : null,
        }));
      const answer = await c.request(ShareAcknowledgeApi, { groupId: 'workers', memberId: member, acks });
      expect(answer.results).toEqual([]);
      largest = Math.max(largest, stateBytes(dataDir));
    }
    // Without snapshots every acquisition and every ack stays on disk: well over 100 KiB here.
    expect(largest).toBeLessThan(8 * SNAPSHOT_BYTES);
    expect(readdirSync(stateDir(dataDir))).not.toContain('00000000000000000000.log');

    await tb.stop();
    tb = await startBroker(options);
    c = await tb.client();
    const described = await c.request(ShareGroupDescribeApi, { groupIds: ['workers'] });
    const partition = described.groups[0]!.partitions[0]!;
    // The failed record waits for its retry parked below the start offset, which moved on to the last one.
    expect(partition.startOffset).toBe(held);
    expect(partition.waiting).toBe(1);
    // The last was acquired when the broker stopped: available again, its delivery counted.
    expect(partition.available).toBe(1);
    expect(partition.deliveryCounts).toEqual([{ deliveryCount: 1, records: 2 }]);
    member = await joinWorkers(c);
    const again = await c.request(ShareFetchRecordsApi, {
      groupId: 'workers',
      memberId: member,
      maxRecords: 50,
      maxWaitMs: 0,
      acks: [],
    });
    expect(again.records.map((r) => [r.offset, r.deliveryCount])).toEqual([[held, 2]]);
  }, 60_000);
});
