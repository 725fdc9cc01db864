// Builds and parses whole RecordBatch v2 batches (header layout: storage/format/record-batch.ts).
// Building goes through BatchBuilder (batch-builder.ts), as the producer's accumulator does. A built
// batch has baseOffset 0 and partitionLeaderEpoch -1 (the broker patches both on append, outside the
// CRC), CreateTime timestamps, offset deltas 0..n-1, and a CRC-32C over bytes 21..end.
import {
  ATTR_TIMESTAMP_TYPE_LOG_APPEND,
  BATCH_HEADER_SIZE,
  CompressionCodec,
  compressionOf,
  iterateBatches,
  type BatchHeader,
} from '../../storage/format/record-batch.js';
import { BatchBuilder } from './batch-builder.js';
import { compress, decompress } from './compression.js';
import { RecordFormatError } from './errors.js';
import { estimateRecordSize, RecordReader, type DecodedRecord, type RecordInput } from './record.js';

export interface BuildBatchOptions {
  compression?: CompressionCodec;
  /** -1 (default) when the producer is not idempotent. */
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
}

export interface DecodedBatch {
  header: BatchHeader;
  records: DecodedRecord[];
}

/** All `records` in one builder sized for them up front (so it never grows). */
function builderOf(records: RecordInput[]): BatchBuilder {
  if (records.length === 0) throw new RangeError('a record batch needs at least one record');
  let capacity = BATCH_HEADER_SIZE;
  for (const record of records) capacity += estimateRecordSize(record);
  const builder = new BatchBuilder(capacity);
  for (let i = 0; i < records.length; i++) {
    const record = records[i]!;
    try {
      builder.append(record.key, record.value, record.headers, record.timestamp);
    } catch (err) {
      if (err instanceof RangeError) throw new RangeError(`record ${i}: ${err.message}`, { cause: err });
      throw err;
    }
  }
  return builder;
}

/** Uncompressed batch, records written straight into place (see batch-builder.ts). */
export function buildRecordBatchSync(
  records: RecordInput[],
  options: Omit<BuildBatchOptions, 'compression'> = {},
): Buffer {
  return builderOf(records).finish(options);
}

/** One batch, compressed as a whole when `options.compression` is set (gzip always; others optional). */
export async function buildRecordBatch(records: RecordInput[], options: BuildBatchOptions = {}): Promise<Buffer> {
  const codec = options.compression ?? CompressionCodec.None;
  const builder = builderOf(records);
  if (codec === CompressionCodec.None) return builder.finish(options);
  const compressed = await compress(codec, builder.recordsSection());
  return builder.finishCompressed(codec, compressed, options);
}

/** Parses the (decompressed) records section of one batch; `position` only labels errors. */
function decodeRecords(section: Buffer, header: BatchHeader, position: number): DecodedRecord[] {
  const { baseOffset, baseTimestamp } = header;
  const logAppend = (header.attributes & ATTR_TIMESTAMP_TYPE_LOG_APPEND) !== 0;
  const records: DecodedRecord[] = [];
  try {
    const reader = new RecordReader(section, header.recordCount);
    while (reader.next()) {
      records.push({
        offset: baseOffset + reader.offsetDelta,
        timestamp: logAppend ? header.maxTimestamp : baseTimestamp + reader.timestampDelta,
        key: reader.key,
        value: reader.value,
        headers: reader.headers ?? [],
      });
    }
  } catch (err) {
    if (!(err instanceof RecordFormatError)) throw err;
    throw new RecordFormatError(`batch at byte ${position}: ${err.message}`, { cause: err });
  }
  return records;
}

/**
 * Parses every batch in `bytes` (whole batches back to back, as a fetch returns them): checks length,
 * magic and CRC-32C (BatchFormatError), decompresses, and decodes records (RecordFormatError).
 * Keys, values and header values of uncompressed batches are zero-copy subarrays of `bytes`.
 * In LogAppendTime batches every record's timestamp is the batch's maxTimestamp, as in Kafka.
 */
export async function decodeRecordBatches(bytes: Buffer): Promise<DecodedBatch[]> {
  const batches: DecodedBatch[] = [];
  for (const { header, position } of iterateBatches(bytes, { validate: true })) {
    const codec = compressionOf(header.attributes);
    let section = bytes.subarray(position + BATCH_HEADER_SIZE, position + header.sizeInBytes);
    if (codec !== CompressionCodec.None) section = await decompress(codec, section);
    batches.push({ header, records: decodeRecords(section, header, position) });
  }
  return batches;
}
