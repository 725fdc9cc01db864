// timestampType LogAppendTime (Kafka's message.timestamp.type): the leader stamps every appended batch with the
// time of its append — attributes bit 3, maxTimestamp = that time, CRC computed again — and everything that
// reads timestamps (the time index, lookups by time, reads after a restart) sees that time. CreateTime
// partitions keep the producer's bytes as they were sent.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ATTR_TIMESTAMP_TYPE_LOG_APPEND,
  iterateBatches,
  PartitionLog,
  readBatchHeader,
  type PartitionConfig,
} from '../../storage/index.js';
import { config, FakeClock, idem, makeBatch, timedBatch, withTempDir } from './helpers.js';

const CREATED = 1_000_000; // the producer's timestamps, long before the broker's clock
const open = (dir: string, clock: FakeClock, overrides: Partial<PartitionConfig> = {}) =>
  PartitionLog.open({
    dir: join(dir, 'stamped-0'),
    topic: 'stamped',
    partition: 0,
    config: config({ timestampType: 'LogAppendTime', ...overrides }),
    clock,
  });

async function storedBatches(log: PartitionLog) {
  const r = await log.read(log.logStartOffset, { maxBytes: 1 << 20 });
  const bytes = Buffer.concat(r.chunks);
  // validate: the CRC of every stored batch is checked.
  return [...iterateBatches(bytes, { validate: true })].map(({ header }) => header);
}

describe('LogAppendTime partitions', () => {
  it('stamp each append with the clock: timestamp type bit, maxTimestamp, a valid CRC, in the answer too', async () => {
    await withTempDir(async (dir) => {
      const clock = new FakeClock(1_700_000_000_000);
      const log = await open(dir, clock);
      // The first append is queued (the checkpoint is marked dirty first); the next ones are done at once.
      const first = await log.append(timedBatch([CREATED, CREATED + 5]));
      clock.advance(1000);
      const second = await log.append(Buffer.concat([timedBatch([CREATED + 7]), timedBatch([CREATED + 9])]));
      clock.advance(1000);
      const retryable = await log.append(idem(5, 0, { records: 2 }));
      expect(first.logAppendTime).toBe(1_700_000_000_000);
      expect(second.logAppendTime).toBe(1_700_000_001_000);
      expect(retryable.logAppendTime).toBe(1_700_000_002_000);

      const headers = await storedBatches(log);
      expect(headers.map((h) => (h.attributes & ATTR_TIMESTAMP_TYPE_LOG_APPEND) !== 0)).toEqual([
        true,
        true,
        true,
        true,
      ]);
      expect(headers.map((h) => h.maxTimestamp)).toEqual([
        1_700_000_000_000, 1_700_000_001_000, 1_700_000_001_000, 1_700_000_002_000,
      ]);
      // The producer's base timestamp stays (Kafka leaves it): readers take maxTimestamp for every record.
      expect(headers[0]!.baseTimestamp).toBe(CREATED);

      // A retry of batches already stored is answered with their offsets; their append time is not kept.
      const retry = await log.append(idem(5, 0, { records: 2 }));
      expect(retry).toMatchObject({ baseOffset: retryable.baseOffset, logAppendTime: -1 });
      await log.close();
    });
  });

  it('find records by the append time, also from the time index rebuilt after a restart', async () => {
    await withTempDir(async (dir) => {
      const clock = new FakeClock(2_000_000);
      const log = await open(dir, clock, { segmentBytes: 200 });
      for (let i = 0; i < 6; i++) {
        await log.append(timedBatch([CREATED + i * 10, CREATED + i * 10 + 1]));
        clock.advance(1000);
      }
      expect(log.segmentCount).toBeGreaterThan(1);
      // By create time every record would be found at 1_000_000..; by append time at 2_000_000 + 1000 * i.
      expect(await log.offsetForTimestamp(CREATED + 20)).toEqual({ offset: 0, timestamp: 2_000_000 });
      expect(await log.offsetForTimestamp(2_002_500)).toEqual({ offset: 6, timestamp: 2_003_000 });
      expect(await log.offsetForTimestamp(2_005_001)).toBeNull();
      await log.close();
      const reopened = await open(dir, clock, { segmentBytes: 200 });
      expect(await reopened.offsetForTimestamp(2_002_500)).toEqual({ offset: 6, timestamp: 2_003_000 });
      await reopened.close();
    });
  });

  it('apply from the next append once a CreateTime partition is switched to LogAppendTime', async () => {
    await withTempDir(async (dir) => {
      const clock = new FakeClock(5_000_000);
      const log = await open(dir, clock, { timestampType: 'CreateTime' });
      const sent = timedBatch([CREATED]);
      const kept = Buffer.from(sent);
      expect((await log.append(sent)).logAppendTime).toBe(-1);
      log.updateConfig(config({ timestampType: 'LogAppendTime' }));
      await log.append(timedBatch([CREATED]));
      const r = await log.read(0, { maxBytes: 1 << 20 });
      const bytes = Buffer.concat(r.chunks);
      // The CreateTime batch is stored as it was sent, but for its base offset (0 already).
      expect(bytes.subarray(0, kept.length)).toEqual(kept);
      expect(readBatchHeader(bytes, kept.length).maxTimestamp).toBe(5_000_000);
      await log.close();
    });
  });

  it('a follower keeps the times its leader stamped', async () => {
    await withTempDir(async (dir) => {
      const leaderClock = new FakeClock(3_000_000);
      const leader = await open(join(dir, 'leader'), leaderClock);
      const follower = await open(join(dir, 'follower'), new FakeClock(9_000_000));
      await leader.append(makeBatch({ records: 2 }));
      leaderClock.advance(10);
      await leader.append(makeBatch({ records: 1, tag: 2 }));
      const r = await leader.read(0, { maxBytes: 1 << 20 });
      await follower.appendReplicated(Buffer.concat(r.chunks));
      expect((await storedBatches(follower)).map((h) => h.maxTimestamp)).toEqual([3_000_000, 3_000_010]);
      await leader.close();
      await follower.close();
    });
  });
});
