// What replication asks of storage: a follower appends its leader's batches byte for byte (offsets, epochs,
// producer ids kept), the leader-epoch history answers "where does epoch E end" (KIP-101/279), and a
// truncation to that answer survives a crash (the log reopens at the truncated end with its producer state).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Offsets, PartitionLog, ProducerSequenceError } from '../../storage/index.js';
import { config, idem, makeBatch, readAll, withTempDir } from './helpers.js';

const open = (dir: string) =>
  PartitionLog.open({ dir, topic: 't', partition: 0, config: config({ flush: { kind: 'os' } }) });

async function everything(log: PartitionLog): Promise<Buffer> {
  const r = await log.read(log.logStartOffset, { maxBytes: 1 << 24 });
  return Buffer.concat(r.chunks);
}

describe('replication hooks', () => {
  it('a follower copy is byte for byte the leader log, epochs and producer state included', async () => {
    await withTempDir(async (root) => {
      const leader = await open(join(root, 'leader'));
      const follower = await open(join(root, 'follower'));
      await leader.append(makeBatch({ records: 3, tag: 1 }), { leaderEpoch: 0 });
      await leader.append(idem(7, 0, { records: 2 }), { leaderEpoch: 0 });
      await leader.append(makeBatch({ records: 1, tag: 2 }), { leaderEpoch: 2 });
      await leader.append(idem(7, 2, { records: 1 }), { leaderEpoch: 2 });
      await follower.appendReplicated(await everything(leader));
      expect(follower.logEndOffset).toBe(leader.logEndOffset);
      expect(await everything(follower)).toEqual(await everything(leader));
      // The follower's producer table came with the batches: a retry of sequence 2 is a duplicate there too.
      const retry = await follower.append(idem(7, 2, { records: 1 }), { leaderEpoch: 3 });
      expect(retry.baseOffset).toBe(6);
      expect(follower.logEndOffset).toBe(7);
      await expect(follower.append(idem(7, 9), { leaderEpoch: 3 })).rejects.toBeInstanceOf(ProducerSequenceError);
      expect(await follower.latestLeaderEpoch()).toBe(2);
      await leader.close();
      await follower.close();
    });
  });

  it('refuses a replicated batch below the log end, and keeps a gap a compacted leader left', async () => {
    await withTempDir(async (root) => {
      const log = await open(join(root, 'p'));
      await log.append(makeBatch({ records: 2 }), { leaderEpoch: 1 });
      const stale = makeBatch({ records: 1 });
      await expect(log.appendReplicated(stale)).rejects.toThrow(/below 2/);
      const later = makeBatch({ records: 1 });
      later.writeInt32BE(0, Offsets.baseOffset);
      later.writeInt32BE(10, Offsets.baseOffset + 4);
      later.writeInt32BE(1, Offsets.partitionLeaderEpoch);
      await log.appendReplicated(later);
      expect(log.logEndOffset).toBe(11);
      expect((await readAll(log)).map((b) => b.baseOffset)).toEqual([0, 10]);
      await log.close();
    });
  });

  it('answers the end of each epoch, and truncation to it is durable across a reopen', async () => {
    await withTempDir(async (root) => {
      const dir = join(root, 'p');
      let log = await open(dir);
      await log.append(makeBatch({ records: 2 }), { leaderEpoch: 0 }); // 0..1
      await log.append(makeBatch({ records: 2 }), { leaderEpoch: 0 }); // 2..3
      await log.append(makeBatch({ records: 3 }), { leaderEpoch: 3 }); // 4..6
      await log.append(idem(5, 0, { records: 2 }), { leaderEpoch: 5 }); // 7..8
      expect(await log.endOffsetForLeaderEpoch(0)).toEqual({ epoch: 0, endOffset: 4 });
      expect(await log.endOffsetForLeaderEpoch(2)).toEqual({ epoch: 0, endOffset: 4 });
      expect(await log.endOffsetForLeaderEpoch(3)).toEqual({ epoch: 3, endOffset: 7 });
      expect(await log.endOffsetForLeaderEpoch(9)).toEqual({ epoch: 5, endOffset: 9 });
      await log.truncateTo(4);
      expect(await log.latestLeaderEpoch()).toBe(0);
      expect(await log.endOffsetForLeaderEpoch(5)).toEqual({ epoch: 0, endOffset: 4 });
      await log.close();

      log = await open(dir);
      expect(log.logEndOffset).toBe(4);
      expect(await log.latestLeaderEpoch()).toBe(0);
      // The truncated producer is gone: its sequence 0 is new again, not a duplicate.
      const again = await log.append(idem(5, 0, { records: 2 }), { leaderEpoch: 6 });
      expect(again.baseOffset).toBe(4);
      expect(await log.endOffsetForLeaderEpoch(6)).toEqual({ epoch: 6, endOffset: 6 });
      await log.close();
    });
  });
});
