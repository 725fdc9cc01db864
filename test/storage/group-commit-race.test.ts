// A group-commit fsync that is still in flight when a roll's fsync fails must not acknowledge anything:
// the rollback discards the unflushed tail and the next appends reuse those offsets. (Found by the
// disk-full storm test in test/reliability; this pins the interleaving down deterministically.)
import { describe, expect, it } from 'vitest';
import { nodeFs, PartitionLog, type StorageFileHandle, type StorageFs } from '../../storage/index.js';
import { config, makeBatch, readAll, withTempDir } from './helpers.js';

interface Gates {
  /** Called at each file fsync; may delay or throw. */
  sync: (path: string) => Promise<void>;
  /** Called at each file truncate, before it happens. */
  truncate: (path: string) => Promise<void>;
}

function gatedFs(gates: Gates): StorageFs {
  return {
    ...nodeFs,
    async open(path, mode) {
      const fh = await nodeFs.open(path, mode);
      const gated = Object.create(fh) as StorageFileHandle;
      return Object.assign(gated, {
        sync: async () => {
          await gates.sync(path);
          return fh.sync();
        },
        truncate: async (length: number) => {
          await gates.truncate(path);
          return fh.truncate(length);
        },
      });
    },
  };
}

describe('group commit during a rollback', () => {
  it('an fsync that succeeds while a failed roll truncates the log acknowledges nothing that is discarded', async () => {
    await withTempDir(async (dir) => {
      let releaseLoopSync!: () => void;
      const loopSyncHeld = new Promise<void>((r) => (releaseLoopSync = r));
      let armed = false;
      let armedSyncs = 0;
      const fs = gatedFs({
        sync: async (path) => {
          if (!armed || !path.endsWith('.log')) return;
          armedSyncs++;
          if (armedSyncs === 1) return loopSyncHeld; // the group-commit loop's fsync: held, then succeeds
          if (armedSyncs === 2) throw Object.assign(new Error('injected EIO'), { code: 'EIO' }); // the roll's fsync
        },
        truncate: async (path) => {
          if (!armed || !path.endsWith('.log')) return;
          // The rollback is cutting the log back: let the held fsync succeed right now.
          releaseLoopSync();
          await new Promise((r) => setImmediate(r));
        },
      });
      const log = await PartitionLog.open({
        dir,
        topic: 't',
        partition: 0,
        config: config({ flush: { kind: 'always' }, segmentBytes: 1024 }),
        fs,
      });
      expect((await log.append(makeBatch({ tag: 1 }))).baseOffset).toBe(0);

      armed = true;
      const a = log.append(makeBatch({ tag: 2 })); // written at offset 1, waits for the held fsync
      const aResult = a.then(
        () => 'acknowledged',
        () => 'rejected',
      );
      await new Promise((r) => setImmediate(r));
      const b = log.append(makeBatch({ tag: 3, payloadBytes: 1000 })); // needs a roll, whose fsync fails
      await expect(b).rejects.toThrow(/fsync/);
      expect(await aResult).toBe('rejected');
      armed = false;

      expect((await log.append(makeBatch({ tag: 4 }))).baseOffset).toBe(1);
      const batches = await readAll(log);
      expect(batches.map((x) => x.baseOffset)).toEqual([0, 1]);
      await log.close();
    });
  });
});
