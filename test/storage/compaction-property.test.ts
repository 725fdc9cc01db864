// Property (fast-check): whatever the appends (keys, values, tombstones), cleanings and clock moves, after
// cleaning every key's latest record is returned with its original offset, value, timestamp and headers;
// a key whose latest record is a tombstone returns that tombstone or, once the tombstone has been through a
// cleaning delete.retention.ms ago, nothing; every record returned is the one appended at its offset.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LogCleaner, PartitionLog, noopLogger } from '../../storage/index.js';
import { type KV, keyedBatch, readRecords, type StoredRecord, testCodecs } from './compaction-helpers.js';
import { FakeClock, config, noSyncFs, withTempDir } from './helpers.js';

const RETENTION = 60_000;
const KEYS = ['a', 'b', 'c', 'd', 'e', 'f'];

type Op =
  | { kind: 'append'; records: Array<{ key: number; tombstone: boolean }> }
  | { kind: 'clean' }
  | { kind: 'advance'; ms: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('append' as const),
      records: fc.array(fc.record({ key: fc.nat(KEYS.length - 1), tombstone: fc.boolean() }), {
        minLength: 1,
        maxLength: 4,
      }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'clean' as const }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 2 * RETENTION }) }),
  },
);

/** Checks the served records against the model (every appended record by offset). */
function checkAgainst(served: StoredRecord[], appended: Map<number, StoredRecord>, tombstonesMayGo: boolean) {
  const latest = new Map<string, StoredRecord>();
  for (const r of appended.values()) latest.set(r.key!, r);
  for (const r of served) expect(appended.get(r.offset), `record at ${r.offset}`).toEqual(r);
  for (const [key, last] of latest) {
    const mine = served.filter((r) => r.key === key);
    if (last.value === null && tombstonesMayGo)
      expect(mine.length === 0 || mine.at(-1)!.offset === last.offset).toBe(true);
    else expect(mine.at(-1), `latest of ${key}`).toEqual(last);
  }
}

describe('compaction property', () => {
  it('keeps the latest record of every key at its offset, and tombstones until delete.retention.ms after a cleaning', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 5, maxLength: 40 }), async (ops) => {
        await withTempDir(async (dir) => {
          const clock = new FakeClock();
          const log = await PartitionLog.open({
            dir,
            topic: 'p',
            partition: 0,
            config: config({ cleanupPolicy: 'compact', segmentBytes: 400, deleteRetentionMs: RETENTION }),
            fs: noSyncFs,
            clock,
          });
          const cleaner = new LogCleaner({ fs: noSyncFs, clock, logger: noopLogger, codecs: testCodecs }, () => [log]);
          const appended = new Map<number, StoredRecord>();
          let seq = 0;
          try {
            for (const o of ops) {
              if (o.kind === 'advance') clock.advance(o.ms);
              else if (o.kind === 'clean') {
                await cleaner.clean(log);
                checkAgainst(await readRecords(log), appended, true);
              } else {
                const records: KV[] = o.records.map((r) => {
                  const id = seq++;
                  return {
                    key: KEYS[r.key]!,
                    value: r.tombstone ? null : `v${id}`,
                    headers: [['seq', Buffer.from(String(id))]],
                    timestamp: clock.now() + id,
                  };
                });
                const { baseOffset } = await log.append(await keyedBatch(records));
                for (const [i, r] of records.entries())
                  appended.set(baseOffset + i, {
                    offset: baseOffset + i,
                    key: r.key,
                    value: r.value,
                    timestamp: r.timestamp!,
                    headers: [['seq', r.headers![0]![1].toString()]],
                  });
              }
            }
            // Seal everything appended (two batches larger than a segment), clean, and clean again after
            // delete.retention.ms: then every key holds exactly its latest value, and no tombstone is left.
            for (let i = 0; i < 2; i++) await log.append(await keyedBatch([{ key: 'filler', value: 'x'.repeat(500) }]));
            await cleaner.clean(log);
            checkAgainst(
              (await readRecords(log)).filter((r) => r.key !== 'filler'),
              appended,
              true,
            );
            clock.advance(RETENTION);
            await cleaner.clean(log);
            const served = (await readRecords(log)).filter((r) => r.key !== 'filler');
            checkAgainst(served, appended, true);
            expect(served.filter((r) => r.value === null)).toEqual([]);
            expect(new Set(served.map((r) => r.key)).size).toBe(served.length);
          } finally {
            await log.close();
          }
        });
      }),
      { numRuns: 15 },
    );
  }, 120_000);
});
