// Expiry of idempotent-producer state (Kafka's producer.id.expiration.ms): a partition forgets a producer
// that has not appended for the expiration time, or whose records retention deleted, so the table does not
// grow with every producer id ever seen. The forgotten producer's next batch is refused with
// UNKNOWN_PRODUCER_ID (nothing stored); a new epoch from sequence 0 is accepted.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHECKPOINT_FILE, PartitionLog } from '../../storage/index.js';
import { ProducerStateTable } from '../../storage/producer-state.js';
import { codeOf, config, FakeClock, idem, readAll, withTempDir } from './helpers.js';

const HOUR = 60 * 60 * 1000;

function open(dir: string, clock: FakeClock, cfg = config({ flush: { kind: 'always' } })) {
  return PartitionLog.open({ dir, topic: 't', partition: 0, config: cfg, clock, producerIdExpirationMs: HOUR });
}

describe('producer state expiry', () => {
  it('forgets a producer idle for the expiration time; its next batch is refused, a new epoch is accepted', async () => {
    await withTempDir(async (dir) => {
      const clock = new FakeClock();
      const log = await open(dir, clock);
      await log.append(idem(1, 0, { records: 2 }));
      await log.append(idem(2, 0));
      clock.advance(HOUR - 1);
      await log.append(idem(2, 1)); // producer 2 stays active
      await log.runMaintenance();
      expect((await log.append(idem(1, 2))).baseOffset).toBe(4); // not yet expired
      clock.advance(HOUR);
      await log.runMaintenance(); // both idle for an hour now
      expect(await codeOf(log.append(idem(1, 3)))).toBe('UNKNOWN_PRODUCER_ID');
      expect((await log.append(idem(1, 0, { epoch: 1 }))).baseOffset).toBe(5);
      expect(log.logEndOffset).toBe(6); // the refused batch stored nothing
      await log.close();
    });
  });

  it('keeps a retry of a recent batch a duplicate until the producer expires', async () => {
    await withTempDir(async (dir) => {
      const clock = new FakeClock();
      const log = await open(dir, clock);
      await log.append(idem(3, 0, { records: 3 }));
      clock.advance(HOUR / 2);
      await log.runMaintenance();
      expect((await log.append(idem(3, 0, { records: 3 }))).baseOffset).toBe(0); // answered, not stored again
      expect(log.logEndOffset).toBe(3);
      await log.close();
    });
  });

  it('forgets a producer whose every record retention deleted', async () => {
    await withTempDir(async (dir) => {
      const clock = new FakeClock();
      const cfg = config({ flush: { kind: 'always' }, segmentBytes: 300, retentionBytes: 400 });
      const log = await open(dir, clock, cfg);
      await log.append(idem(4, 0));
      for (let seq = 0; seq < 12; seq++) await log.append(idem(5, seq));
      await log.runMaintenance();
      expect(log.logStartOffset).toBeGreaterThan(1); // producer 4's only batch (offset 0) is gone
      expect(await codeOf(log.append(idem(4, 1)))).toBe('UNKNOWN_PRODUCER_ID');
      expect((await log.append(idem(5, 12))).baseOffset).toBe(13); // producer 5 still known
      await log.close();
    });
  });

  it('keeps the last-append time across a clean restart, so expiry does not restart from zero', async () => {
    await withTempDir(async (dir) => {
      const clock = new FakeClock();
      let log = await open(dir, clock);
      await log.append(idem(6, 0));
      await log.close();
      clock.advance(HOUR);
      log = await open(dir, clock);
      await log.runMaintenance();
      expect(await codeOf(log.append(idem(6, 1)))).toBe('UNKNOWN_PRODUCER_ID');
      await log.close();
    });
  });

  it('reads a clean checkpoint written before expiry existed (no last-append time): counts from the restart', async () => {
    await withTempDir(async (dir) => {
      const clock = new FakeClock();
      let log = await open(dir, clock);
      await log.append(idem(7, 0));
      await log.close();
      const path = join(dir, CHECKPOINT_FILE);
      const checkpoint = JSON.parse(await readFile(path, 'utf8'));
      checkpoint.producers = checkpoint.producers.map(([pid, batches]: [number, unknown]) => [pid, batches]);
      await writeFile(path, JSON.stringify(checkpoint));
      clock.advance(10 * HOUR);
      log = await open(dir, clock);
      await log.runMaintenance();
      expect((await log.append(idem(7, 1))).baseOffset).toBe(1); // still known: its hour starts at the restart
      expect((await readAll(log)).length).toBe(2);
      await log.close();
    });
  });

  it('table: expire() says how many it removed and leaves the rest', () => {
    const table = new ProducerStateTable();
    table.record({ producerId: 1, epoch: 0, firstSeq: 0, lastSeq: 0 }, 0, 0, 1000);
    table.record({ producerId: 2, epoch: 0, firstSeq: 0, lastSeq: 0 }, 1, 1, 5000);
    expect(table.expire(6000, 5000, 0)).toBe(1);
    expect(table.size).toBe(1);
    expect(table.expire(6000, 5000, 2)).toBe(1); // below the log start
    expect(table.size).toBe(0);
  });
});
