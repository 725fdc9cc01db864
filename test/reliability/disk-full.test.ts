// Disk full and failing disks, injected with storage's FaultyFs into an in-process broker: ENOSPC on
// writes (torn or not), on fsyncs and on segment creation. A producer gets KAFKA_STORAGE_ERROR, marked
// retriable; consumers keep reading; nothing half-written is acknowledged or ever visible; and once
// space returns the very next produce succeeds with dense offsets — no restart, no operator.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { FaultyFs } from '../../storage/index.js';
import { ErrorCode, errorInfo } from '../../src/protocol/index.js';
import {
  batchOf,
  createTopic,
  fetchPartition,
  produce,
  readAll,
  recordsOf,
  startBroker,
  values,
  type TestBroker,
} from '../helpers/broker.js';
import { removeTempDirs } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';
import { startLoad } from './lib/load.js';
import { rng } from './lib/rng.js';
import { asStored, checkAcked } from './lib/verify.js';

afterAll(removeTempDirs);
let running: TestBroker | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

const onLog = (path: string) => path.endsWith('.log');

async function brokerWith(fs: FaultyFs, flush: string, segmentBytes = 1024 * 1024) {
  running = await startBroker({ fs, flush, topicDefaults: { segmentBytes } });
  const c = await running.client();
  expect((await createTopic(c, 't', 1)).errorCode).toBe(0);
  return c;
}

describe('disk full (ENOSPC through FaultyFs)', () => {
  for (const flush of ['always', 'os']) {
    it(`flush=${flush}: a torn write is refused as retriable, reads go on, and the log heals when space returns`, async () => {
      const fs = new FaultyFs();
      const c = await brokerWith(fs, flush);
      expect((await produce(c, 't', 0, batchOf(['a', 'b']))).baseOffset).toBe(0);

      fs.failWrites({ code: 'ENOSPC', path: onLog, partialBytes: 30 });
      const refused = await produce(c, 't', 0, batchOf(['lost-1', 'lost-2']));
      expect(refused.errorCode).toBe(ErrorCode.KAFKA_STORAGE_ERROR);
      expect(errorInfo(refused.errorCode).retriable).toBe(true);
      expect(refused.errorMessage).toMatch(/ENOSPC/);
      // Still full: refused again; reads keep working and show nothing of the torn writes.
      expect((await produce(c, 't', 0, batchOf(['lost-3']))).errorCode).toBe(ErrorCode.KAFKA_STORAGE_ERROR);
      expect(values(await readAll(c, 't', 0))).toEqual(['a', 'b']);

      fs.clearFaults();
      expect(await produce(c, 't', 0, batchOf(['c']))).toMatchObject({ errorCode: 0, baseOffset: 2 });
      const all = await readAll(c, 't', 0);
      expect(values(all)).toEqual(['a', 'b', 'c']);
      expect(all.map((r) => r.offset)).toEqual([0, 1, 2]);
    });
  }

  it('a failed fsync under flush=always is never acknowledged and its records are never visible', async () => {
    const fs = new FaultyFs();
    const c = await brokerWith(fs, 'always');
    const reader = await running!.client();
    expect((await produce(c, 't', 0, batchOf(['kept']))).errorCode).toBe(0);

    // The next fsync is slow and then fails (ENOSPC from delayed allocation); meanwhile a consumer reads.
    fs.syncDelayMs = 150;
    fs.failFsyncs({ code: 'ENOSPC', times: 1, path: onLog });
    const syncsBefore = fs.counts.sync;
    const pending = produce(c, 't', 0, batchOf(['doomed']));
    await waitFor(() => fs.counts.sync > syncsBefore, { message: "the doomed batch's (slow) fsync to start" });
    const seenWhileFlushing = values(await recordsOf(await fetchPartition(reader, 't', 0, 0)));
    const answer = await pending;
    expect(answer.errorCode).toBe(ErrorCode.KAFKA_STORAGE_ERROR);
    expect(errorInfo(answer.errorCode).retriable).toBe(true);
    // A consumer must not have been shown a record the producer was told failed.
    expect(seenWhileFlushing).toEqual(['kept']);

    fs.syncDelayMs = 0;
    expect(await produce(c, 't', 0, batchOf(['next']))).toMatchObject({ errorCode: 0, baseOffset: 1 });
    expect(values(await readAll(c, 't', 0))).toEqual(['kept', 'next']);
  });

  it('a full disk while rolling a segment (new segment cannot be created) heals too', async () => {
    const fs = new FaultyFs();
    const c = await brokerWith(fs, 'always', 1024);
    const big = 'x'.repeat(600);
    expect((await produce(c, 't', 0, batchOf([`0${big}`]))).errorCode).toBe(0);
    fs.fail('open', { code: 'ENOSPC', path: onLog });
    const refused = await produce(c, 't', 0, batchOf([`1${big}`]));
    expect(refused.errorCode).toBe(ErrorCode.KAFKA_STORAGE_ERROR);
    expect(errorInfo(refused.errorCode).retriable).toBe(true);
    fs.clearFaults();
    expect(await produce(c, 't', 0, batchOf([`2${big}`]))).toMatchObject({ errorCode: 0, baseOffset: 1 });
    expect((await readAll(c, 't', 0)).map((r) => r.value!.toString()[0])).toEqual(['0', '2']);
  });

  it('a storm of random write/fsync/roll failures under pipelined load: acked ⊆ stored, dense, in order, healed', async () => {
    const random = rng();
    const fs = new FaultyFs();
    const c = await brokerWith(fs, 'always', 8 * 1024);
    const load = startLoad({
      port: running!.port,
      topic: 't',
      partitions: 1,
      producers: 3,
      prefix: 's',
      acks: -1,
      pipeline: 4,
      rng: random,
      padding: 100,
    });
    const reader = await running!.client();
    const seen = new Map<number, string>();
    let visibleButLost = 0;
    for (let step = 0; step < 40; step++) {
      fs.clearFaults();
      const kind = random.int(0, 4);
      const code = random.pick(['ENOSPC', 'EIO', 'EDQUOT']);
      if (kind === 0) fs.failWrites({ code, path: onLog, partialBytes: random.int(0, 200), times: random.int(1, 3) });
      if (kind === 1) fs.failFsyncs({ code, path: onLog, times: 1 });
      if (kind === 2) fs.fail('open', { code, path: onLog, times: 1 });
      await new Promise((r) => setTimeout(r, random.int(2, 15))); // the storm's random rhythm, not a wait
      // A consumer reading during the storm: what it sees at an offset must never change later.
      for (const r of asStored(
        await recordsOf(await fetchPartition(reader, 't', 0, 0, { partitionMaxBytes: 1 << 30 })),
      )) {
        if (seen.has(r.offset) && seen.get(r.offset) !== r.value) visibleButLost++;
        seen.set(r.offset, r.value);
      }
    }
    fs.clearFaults();
    await load.stop();
    const context = `seed ${random.seed}`;
    const errors = load.runs.flatMap((r) => [...r.errors.keys()]);
    expect(new Set(errors), context).toEqual(new Set(errors.length ? [ErrorCode.KAFKA_STORAGE_ERROR] : []));
    const stored = asStored(await readAll(c, 't', 0));
    // Failed requests leave gaps in a producer's sequence, so check order (increasing) rather than a prefix.
    const problems = checkAcked(stored, load.runs).filter((p) => !p.includes('stored sequence is not'));
    expect(problems, context).toEqual([]);
    for (const run of load.runs) {
      const seqs = stored
        .filter((r) => r.value.startsWith(`${run.tag}-`))
        .map((r) => Number(r.value.split('|')[0]!.split('-')[1]));
      expect(
        seqs.every((s, i) => i === 0 || s > seqs[i - 1]!),
        `${run.tag} in send order (${context})`,
      ).toBe(true);
    }
    expect(visibleButLost, `records a consumer saw that were later replaced (${context})`).toBe(0);
    const ok = await produce(c, 't', 0, batchOf(['after']));
    expect(ok).toMatchObject({ errorCode: 0, baseOffset: stored.length });
  });
});
