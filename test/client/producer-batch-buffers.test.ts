// The producer's batch buffers: a full batch's buffer goes back to its accumulator once the broker acknowledged
// the batch, and the next batches are written into it instead of into new memory.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Accumulator } from '../../src/client/producer/accumulator.js';
import { PendingSend } from '../../src/client/producer/pending-send.js';
import { BATCH_HEADER_SIZE, CompressionCodec } from '../../storage/format/record-batch.js';

afterEach(() => vi.restoreAllMocks());

const BATCH_SIZE = 256 * 1024;
const FULL_BUFFER = BATCH_HEADER_SIZE + BATCH_SIZE;

/** An accumulator of one partition and a way to fill `count` full batches with one send. */
function setup() {
  const accumulator = new Accumulator({ batchSize: BATCH_SIZE, identity: () => null, onBuilt: () => {} });
  const q = accumulator.queue('t', 0);
  const value = Buffer.alloc(1000, 0x61);
  const fill = (count: number) => {
    const pending = new PendingSend(
      1,
      30_000,
      CompressionCodec.None,
      () => {},
      () => {},
    );
    while (q.batches.length < count) accumulator.append(q, pending, null, value, undefined, 0);
    pending.seal();
    accumulator.seal(q);
    return q.sendable();
  };
  return { q, fill };
}

describe('producer batch buffers', () => {
  it('writes the next batches into the buffers of as many acknowledged ones as were in flight at once (40 of 256 KiB)', () => {
    const { q, fill } = setup();
    const acknowledged = (count: number) => {
      const batches = fill(count);
      expect(batches).toHaveLength(count);
      const memory = batches.map((b) => b.encoded!.buffer);
      q.commit(batches);
      q.acknowledge(batches, 0, -1, 0);
      expect(q.isEmpty).toBe(true);
      return memory;
    };
    // The partition's first batch grows its buffer from a small one: after two rounds it has 40 full-size ones.
    acknowledged(40);
    const earlier = acknowledged(40);

    const allocate = vi.spyOn(Buffer, 'allocUnsafe');
    const later = acknowledged(40);
    expect(allocate.mock.calls.filter(([bytes]) => bytes === FULL_BUFFER)).toEqual([]);
    expect(new Set(later)).toEqual(new Set(earlier));
  });
});
