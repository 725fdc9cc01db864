// Validation of a producer's buffer before it is queued: header-only work per batch (CRC over the bytes,
// never decoding records). Produces the per-batch facts the append needs, in parallel arrays.
import { BatchFormatError, iterateBatches } from './format/record-batch.js';
import { InvalidRecordError } from './errors.js';

export interface ParsedBatches {
  positions: number[];
  sizes: number[];
  lastOffsetDeltas: number[];
  maxTimestamps: number[];
  /** Offsets the batches consume: sum of lastOffsetDelta + 1. */
  offsetCount: number;
  recordCount: number;
}

export function parseBatches(buf: Buffer): ParsedBatches {
  if (!Buffer.isBuffer(buf) || buf.length === 0) throw new InvalidRecordError('append needs at least one record batch');
  const parsed: ParsedBatches = { positions: [], sizes: [], lastOffsetDeltas: [], maxTimestamps: [], offsetCount: 0, recordCount: 0 };
  try {
    for (const { header, position } of iterateBatches(buf, { validate: true })) {
      parsed.positions.push(position);
      parsed.sizes.push(header.sizeInBytes);
      parsed.lastOffsetDeltas.push(header.lastOffsetDelta);
      parsed.maxTimestamps.push(header.maxTimestamp);
      parsed.offsetCount += header.lastOffsetDelta + 1;
      parsed.recordCount += header.recordCount;
    }
  } catch (err) {
    if (err instanceof BatchFormatError) {
      throw new InvalidRecordError(`invalid record batch at byte ${err.position}: ${err.message}`, err.position, err);
    }
    throw err;
  }
  return parsed;
}
