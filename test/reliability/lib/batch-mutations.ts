// Mutated record batches for fuzzing produce-time validation: a valid batch (random records, any codec
// available here) built by the SDK's encoder, then damaged one way. Most mutations recompute the CRC, so the
// damage reaches the checks behind it; compressed batches are also damaged *inside* their payload and
// recompressed, so the codec is fine and the records are not.
import { crc32c } from '@node-rs/crc32';
import {
  buildRecordBatch,
  type CompressionCodec,
  compress,
  decompress,
  type RecordInput,
} from '../../../src/records/index.js';
import type { Rng } from './rng.js';

export type BatchMutation =
  | 'valid'
  | 'flip'
  | 'flip-no-crc'
  | 'field'
  | 'resize'
  | 'inner-flip'
  | 'inner-splice'
  | 'inner-resize';

export const BATCH_MUTATIONS: readonly BatchMutation[] = [
  'valid',
  'flip',
  'flip-no-crc',
  'field',
  'resize',
  'inner-flip',
  'inner-splice',
  'inner-resize',
];

export interface MutatedBatch {
  bytes: Buffer;
  kind: BatchMutation;
  codec: CompressionCodec;
}

function randomBytes(random: Rng, n: number): Buffer {
  return Buffer.from(Array.from({ length: n }, () => random.int(0, 255)));
}

function randomRecords(random: Rng, now: number): RecordInput[] {
  return Array.from({ length: random.int(1, 20) }, () => ({
    key: random.int(0, 3) === 0 ? null : randomBytes(random, random.int(0, 20)),
    value: random.int(0, 7) === 0 ? null : randomBytes(random, random.int(0, 200)),
    headers: Array.from(
      { length: random.int(0, 2) },
      (_, i) =>
        [`h${i}`, random.int(0, 3) === 0 ? null : randomBytes(random, random.int(0, 10))] as [string, Buffer | null],
    ),
    timestamp: now - random.int(0, 100_000),
  }));
}

/** Sets batchLength and the CRC-32C from the bytes as they are. */
function reseal(batch: Buffer): Buffer {
  batch.writeInt32BE(batch.length - 12, 8);
  batch.writeUInt32BE(crc32c(batch.subarray(21)) >>> 0, 17);
  return batch;
}

function flipBits(random: Rng, bytes: Buffer, from: number, flips: number): void {
  for (let n = 0; n < flips; n++) bytes[random.int(from, bytes.length - 1)]! ^= 1 << random.int(0, 7);
}

/** Values a header field is set to: edges, near its current value, and noise. */
function fieldValue(random: Rng, current: number): number {
  return random.pick([
    0,
    1,
    -1,
    2 ** 31 - 1,
    -(2 ** 31),
    current + 1,
    current - 1,
    current * 2,
    random.int(-1000, 1000),
  ]);
}

const FIELDS: ReadonlyArray<[offset: number, bytes: 2 | 4 | 8]> = [
  [21, 2], // attributes
  [23, 4], // lastOffsetDelta
  [27, 8], // baseTimestamp
  [35, 8], // maxTimestamp
  [43, 8], // producerId
  [53, 4], // baseSequence
  [57, 4], // recordCount
];

function setField(random: Rng, batch: Buffer): void {
  const [offset, bytes] = random.pick(FIELDS);
  if (bytes === 2) batch.writeInt16BE((fieldValue(random, batch.readInt16BE(offset)) << 16) >> 16, offset);
  else if (bytes === 4) batch.writeInt32BE(fieldValue(random, batch.readInt32BE(offset)) | 0, offset);
  else batch.writeBigInt64BE(BigInt(fieldValue(random, Number(batch.readBigInt64BE(offset)))), offset);
}

/** One batch: valid, then (unless `valid`) damaged by the chosen mutation. */
export async function mutatedBatch(random: Rng, codecs: readonly CompressionCodec[]): Promise<MutatedBatch> {
  const codec = random.pick(codecs);
  const kind = random.pick(BATCH_MUTATIONS);
  const built = await buildRecordBatch(randomRecords(random, Date.now()), { compression: codec });
  let batch: Buffer = Buffer.from(built);
  switch (kind) {
    case 'flip':
      flipBits(random, batch, 21, random.int(1, 4));
      reseal(batch);
      break;
    case 'flip-no-crc':
      flipBits(random, batch, 21, random.int(1, 3));
      break;
    case 'field':
      setField(random, batch);
      reseal(batch);
      break;
    case 'resize':
      batch =
        random.int(0, 1) === 0
          ? Buffer.from(batch.subarray(0, Math.max(61, batch.length - random.int(1, 40))))
          : Buffer.concat([batch, randomBytes(random, random.int(1, 40))]);
      reseal(batch);
      break;
    default: {
      if (kind === 'valid') break;
      const section = await decompress(codec, batch.subarray(61));
      let inner: Buffer = Buffer.from(section);
      if (kind === 'inner-flip') flipBits(random, inner, 0, random.int(1, 4));
      else if (kind === 'inner-splice') {
        const at = random.int(0, inner.length - 1);
        // Continuation bytes make varints run long; other bytes make lengths lie.
        const junk = random.int(0, 1) ? Buffer.alloc(random.int(1, 6), random.int(0x80, 0xff)) : randomBytes(random, 4);
        inner = Buffer.concat([inner.subarray(0, at), junk, inner.subarray(Math.min(inner.length, at + junk.length))]);
      } else {
        inner = random.int(0, 1)
          ? inner.subarray(0, Math.max(0, inner.length - random.int(1, 20)))
          : Buffer.concat([inner, randomBytes(random, random.int(1, 20))]);
      }
      batch = reseal(Buffer.concat([batch.subarray(0, 61), await compress(codec, inner)]));
    }
  }
  return { bytes: batch, kind, codec };
}
