// read_committed on the client: the batches of aborted transactions are dropped while decoding a fetch, as
// Kafka's clients do (the broker's aborted-transactions list + each producer's ABORT marker); committed
// transactions, other producers' data and non-transactional batches are kept.
import { describe, expect, it } from 'vitest';
import { AbortedTransactionFilter } from '../../src/client/consumer/aborted-transactions.js';
import { decodeFetchedChunk } from '../../src/client/consumer/decode.js';
import { buildRecordBatchSync } from '../../src/records/batch.js';
import { buildControlBatch } from '../../storage/format/control-batch.js';
import { ATTR_TRANSACTIONAL, Offsets, writeBatchCrc } from '../../storage/format/record-batch.js';

/** A batch of `values` at `baseOffset`, from `producerId`, transactional unless told otherwise. */
function dataBatch(baseOffset: number, producerId: number, values: string[], transactional = true): Buffer {
  const batch = buildRecordBatchSync(
    values.map((v) => ({ key: null, value: Buffer.from(v), timestamp: 1 })),
    producerId < 0 ? {} : { producerId, producerEpoch: 0, baseSequence: 0 },
  );
  batch.writeBigInt64BE(BigInt(baseOffset), 0);
  if (transactional) {
    batch.writeInt16BE(batch.readInt16BE(Offsets.attributes) | ATTR_TRANSACTIONAL, Offsets.attributes);
    writeBatchCrc(batch);
  }
  return batch;
}

function marker(offset: number, producerId: number, commit: boolean): Buffer {
  const batch = buildControlBatch({ producerId, producerEpoch: 0, commit, coordinatorEpoch: 0, timestamp: 1 });
  batch.writeBigInt64BE(BigInt(offset), 0);
  return batch;
}

async function values(bytes: Buffer, aborted: Array<{ producerId: number; firstOffset: number }> | null) {
  const filter = aborted ? new AbortedTransactionFilter(aborted) : null;
  const out: string[] = [];
  let pos = 0;
  // Small slices: the filter's state carries over from one chunk of the same fetch to the next.
  while (pos < bytes.length) {
    const chunk = await decodeFetchedChunk(bytes, pos, bytes.length, 0, 1, true, filter);
    out.push(...chunk.messages.map((m) => m.value!.toString()));
    pos = chunk.pos;
  }
  return out;
}

describe('AbortedTransactionFilter', () => {
  // Offsets: 0-1 P7 (aborted), 2 plain, 3-4 P8 (committed), 5 P7 data 2 (aborted), 6 ABORT P7, 7 COMMIT P8,
  // 8 P7 again (a new transaction, committed), 9 COMMIT P7.
  const log = Buffer.concat([
    dataBatch(0, 7, ['a1', 'a2']),
    dataBatch(2, -1, ['plain'], false),
    dataBatch(3, 8, ['c1', 'c2']),
    dataBatch(5, 7, ['a3']),
    marker(6, 7, false),
    marker(7, 8, true),
    dataBatch(8, 7, ['n1']),
    marker(9, 7, true),
  ]);

  it('drops every batch of an aborted transaction, up to its ABORT marker, and keeps the rest', async () => {
    expect(await values(log, [{ producerId: 7, firstOffset: 0 }])).toEqual(['plain', 'c1', 'c2', 'n1']);
  });

  it('without aborted transactions (read_uncommitted, or none overlapping) only the markers are skipped', async () => {
    expect(await values(log, null)).toEqual(['a1', 'a2', 'plain', 'c1', 'c2', 'a3', 'n1']);
    expect(await values(log, [])).toEqual(['a1', 'a2', 'plain', 'c1', 'c2', 'a3', 'n1']);
  });

  it('an aborted transaction starting later leaves the same producer’s earlier batches alone', async () => {
    const later = Buffer.concat([
      dataBatch(0, 7, ['kept']),
      marker(1, 7, true),
      dataBatch(2, 7, ['x']),
      marker(3, 7, false),
    ]);
    expect(await values(later, [{ producerId: 7, firstOffset: 2 }])).toEqual(['kept']);
  });
});
