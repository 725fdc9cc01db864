// Validation of a producer's buffer before it is queued: header-only work per batch (CRC over the bytes,
// offsets dense, never decoding records). Produces the per-batch facts the append needs, in parallel arrays.
import {
  ATTR_CONTROL,
  ATTR_TRANSACTIONAL,
  BATCH_HEADER_SIZE,
  BATCH_LOG_OVERHEAD,
  BatchFormatError,
  Offsets,
  readBatchHeader,
  validateBatch,
} from './format/record-batch.js';
import { InvalidRecordError, RecordTooLargeError } from './errors.js';
import { lastSequenceOf, type ProducerBatchInfo } from './producer-state.js';

export interface ParsedBatches {
  positions: number[];
  sizes: number[];
  lastOffsetDeltas: number[];
  maxTimestamps: number[];
  /** Offsets the batches consume: sum of lastOffsetDelta + 1. */
  offsetCount: number;
  recordCount: number;
  /** Per batch, its producer facts when producerId >= 0 (idempotent); null when no batch has any. */
  producers: Array<ProducerBatchInfo | null> | null;
}

/** parseBatches reads each header into this one (it keeps no header: it copies the fields it needs). */
const scratchHeader = readBatchHeader(Buffer.alloc(BATCH_HEADER_SIZE));

/**
 * One pass over the batches: each one's size is checked against `maxBatchBytes` from its length field
 * before its CRC is computed, so an oversized batch costs no CRC work; then it is fully validated.
 */
export function parseBatches(
  buf: Buffer,
  maxBatchBytes = Number.POSITIVE_INFINITY,
  origin: 'producer' | 'coordinator' | 'replication' = 'producer',
): ParsedBatches {
  if (!Buffer.isBuffer(buf) || buf.length === 0) throw new InvalidRecordError('append needs at least one record batch');
  // The arrays are made at the size the length fields announce (usually one batch: arrays of one, not
  // grown ones); a batch the checks below refuse ends the parse before the count matters.
  const announced = countBatches(buf);
  const parsed: ParsedBatches = {
    positions: new Array<number>(announced),
    sizes: new Array<number>(announced),
    lastOffsetDeltas: new Array<number>(announced),
    maxTimestamps: new Array<number>(announced),
    offsetCount: 0,
    recordCount: 0,
    producers: null,
  };
  let i = 0;
  try {
    for (let position = 0; position < buf.length; i++) {
      const left = buf.length - position;
      if (left >= BATCH_HEADER_SIZE) {
        // A length that overruns the buffer is a malformed batch (validateBatch says so), not a large one.
        const size = buf.readInt32BE(position + Offsets.batchLength) + BATCH_LOG_OVERHEAD;
        if (size > maxBatchBytes && size <= left) throw new RecordTooLargeError(size, maxBatchBytes, position);
      }
      const header = validateBatch(buf, position, true, scratchHeader);
      // A leader's batches may be compacted (fewer records than offsets): a follower keeps them as they are.
      if (header.recordCount !== header.lastOffsetDelta + 1 && origin !== 'replication') {
        // Offsets are dense: a batch claiming more offsets than records would move the log end for nothing
        // (2^31 offsets in 73 bytes) and push a segment past its 32-bit relative offsets.
        throw new InvalidRecordError(
          `batch ${i} (at byte ${position}): it spans ${header.lastOffsetDelta + 1} offsets but holds ` +
            `${header.recordCount} records (an appended batch uses one offset per record)`,
          position,
        );
      }
      const transactional = (header.attributes & ATTR_TRANSACTIONAL) !== 0;
      if ((header.attributes & ATTR_CONTROL) !== 0 && origin === 'producer') {
        // Only a transaction coordinator writes markers (PartitionLog.appendMarker): a client's would end
        // a transaction nobody decided to end.
        throw new InvalidRecordError(
          `batch at byte ${position} is a control batch: producers may not send them`,
          position,
        );
      }
      if (transactional && header.producerId < 0) {
        throw new InvalidRecordError(`batch at byte ${position} is transactional but has no producer id`, position);
      }
      parsed.positions[i] = position;
      parsed.sizes[i] = header.sizeInBytes;
      parsed.lastOffsetDeltas[i] = header.lastOffsetDelta;
      parsed.maxTimestamps[i] = header.maxTimestamp;
      parsed.offsetCount += header.lastOffsetDelta + 1;
      parsed.recordCount += header.recordCount;
      const control = (header.attributes & ATTR_CONTROL) !== 0;
      if (header.producerId >= 0 && (origin === 'producer' || (origin === 'replication' && !control))) {
        const producers = (parsed.producers ??= new Array<ProducerBatchInfo | null>(announced).fill(null));
        const firstSeq = header.baseSequence;
        if (firstSeq < 0 || header.producerEpoch < 0) {
          throw new InvalidRecordError(
            `batch at byte ${position} has producerId ${header.producerId} but sequence ${firstSeq} / epoch ${header.producerEpoch}`,
            position,
          );
        }
        const producerId = header.producerId;
        const epoch = header.producerEpoch;
        const lastSeq = lastSequenceOf(firstSeq, header.lastOffsetDelta);
        producers[i] = transactional
          ? { producerId, epoch, firstSeq, lastSeq, transactional }
          : { producerId, epoch, firstSeq, lastSeq };
      }
      position += header.sizeInBytes;
    }
  } catch (err) {
    if (err instanceof BatchFormatError) {
      throw new InvalidRecordError(`batch ${i} (at byte ${err.position}): ${err.message}`, err.position, err);
    }
    throw err;
  }
  return parsed;
}

/** How many batches the length fields of `buf` announce (unchecked: parseBatches checks each one). */
function countBatches(buf: Buffer): number {
  let count = 0;
  for (let position = 0; position < buf.length; count++) {
    if (buf.length - position < Offsets.batchLength + 4) return count + 1;
    const size = buf.readInt32BE(position + Offsets.batchLength) + BATCH_LOG_OVERHEAD;
    if (size <= BATCH_LOG_OVERHEAD) return count + 1;
    position += size;
  }
  return count;
}

/** The same append without its first `count` batches (retries already in the log). No copy. */
export function skipBatches(buf: Buffer, parsed: ParsedBatches, count: number): { buf: Buffer; parsed: ParsedBatches } {
  const start = parsed.positions[count]!;
  const rest: ParsedBatches = {
    positions: parsed.positions.slice(count).map((p) => p - start),
    sizes: parsed.sizes.slice(count),
    lastOffsetDeltas: parsed.lastOffsetDeltas.slice(count),
    maxTimestamps: parsed.maxTimestamps.slice(count),
    offsetCount: 0,
    recordCount: 0,
    producers: parsed.producers?.slice(count) ?? null,
  };
  for (const delta of rest.lastOffsetDeltas) rest.offsetCount += delta + 1;
  rest.recordCount = parsed.recordCount; // the caller answers for every record of the request
  return { buf: buf.subarray(start), parsed: rest };
}
