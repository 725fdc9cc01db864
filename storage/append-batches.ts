// Validation of a producer's buffer before it is queued: header-only work per batch (CRC over the bytes,
// never decoding records). Produces the per-batch facts the append needs, in parallel arrays.
import { BATCH_HEADER_SIZE, BATCH_LOG_OVERHEAD, BatchFormatError, Offsets, validateBatch } from './format/record-batch.js';
import { InvalidRecordError, RecordTooLargeError } from './errors.js';

export interface ParsedBatches {
  positions: number[];
  sizes: number[];
  lastOffsetDeltas: number[];
  maxTimestamps: number[];
  /** Offsets the batches consume: sum of lastOffsetDelta + 1. */
  offsetCount: number;
  recordCount: number;
}

/**
 * One pass over the batches: each one's size is checked against `maxBatchBytes` from its length field
 * before its CRC is computed, so an oversized batch costs no CRC work; then it is fully validated.
 */
export function parseBatches(buf: Buffer, maxBatchBytes = Number.POSITIVE_INFINITY): ParsedBatches {
  if (!Buffer.isBuffer(buf) || buf.length === 0) throw new InvalidRecordError('append needs at least one record batch');
  const parsed: ParsedBatches = { positions: [], sizes: [], lastOffsetDeltas: [], maxTimestamps: [], offsetCount: 0, recordCount: 0 };
  try {
    for (let position = 0; position < buf.length; ) {
      const left = buf.length - position;
      if (left >= BATCH_HEADER_SIZE) {
        // A length that overruns the buffer is a malformed batch (validateBatch says so), not a large one.
        const size = buf.readInt32BE(position + Offsets.batchLength) + BATCH_LOG_OVERHEAD;
        if (size > maxBatchBytes && size <= left) throw new RecordTooLargeError(size, maxBatchBytes, position);
      }
      const header = validateBatch(buf, position);
      parsed.positions.push(position);
      parsed.sizes.push(header.sizeInBytes);
      parsed.lastOffsetDeltas.push(header.lastOffsetDelta);
      parsed.maxTimestamps.push(header.maxTimestamp);
      parsed.offsetCount += header.lastOffsetDelta + 1;
      parsed.recordCount += header.recordCount;
      position += header.sizeInBytes;
    }
  } catch (err) {
    if (err instanceof BatchFormatError) {
      throw new InvalidRecordError(`invalid record batch at byte ${err.position}: ${err.message}`, err.position, err);
    }
    throw err;
  }
  return parsed;
}
