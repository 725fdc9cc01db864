// Builds and parses whole RecordBatch v2 batches (header layout: storage/format/record-batch.ts).
// A built batch has baseOffset 0 and partitionLeaderEpoch -1 (the broker patches both on append,
// outside the CRC), CreateTime timestamps, offset deltas 0..n-1, and a CRC-32C over bytes 21..end.
import {
  ATTR_TIMESTAMP_TYPE_LOG_APPEND,
  BATCH_HEADER_SIZE,
  BATCH_LOG_OVERHEAD,
  CompressionCodec,
  MAGIC_V2,
  Offsets,
  compressionOf,
  iterateBatches,
  writeBatchCrc,
  writeInt64,
  type BatchHeader,
} from '../../storage/format/record-batch.js';
import { compress, decompress } from './compression.js';
import { RecordFormatError } from './errors.js';
import { readRecord, recordBodySize, writeRecord, type DecodedRecord, type RecordInput } from './record.js';
import { Reader, sizeOfVarint } from './varint.js';

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

/** Smallest possible record: length, attributes, timestampDelta, offsetDelta, key, value, headerCount. */
const MIN_RECORD_SIZE = 7;

interface Layout {
  /** Body size (bytes after the length varint) of each record. */
  bodySizes: Int32Array;
  /** Bytes of the uncompressed records section. */
  recordsBytes: number;
  baseTimestamp: number;
  maxTimestamp: number;
}

/** First pass: every record's size, so the batch is written into a single exact allocation. */
function layoutOf(records: RecordInput[]): Layout {
  if (records.length === 0) throw new RangeError('a record batch needs at least one record');
  const baseTimestamp = records[0]!.timestamp;
  let maxTimestamp = baseTimestamp;
  let recordsBytes = 0;
  const bodySizes = new Int32Array(records.length);
  for (let i = 0; i < records.length; i++) {
    const record = records[i]!;
    if (!Number.isSafeInteger(record.timestamp)) throw new RangeError(`record ${i} timestamp ${record.timestamp} is not an integer`);
    if (record.timestamp > maxTimestamp) maxTimestamp = record.timestamp;
    const body = recordBodySize(record, record.timestamp - baseTimestamp, i);
    bodySizes[i] = body;
    recordsBytes += sizeOfVarint(body) + body;
  }
  return { bodySizes, recordsBytes, baseTimestamp, maxTimestamp };
}

function writeRecords(buf: Buffer, pos: number, records: RecordInput[], layout: Layout): void {
  for (let i = 0; i < records.length; i++) {
    const record = records[i]!;
    pos = writeRecord(buf, pos, record, layout.bodySizes[i]!, record.timestamp - layout.baseTimestamp, i);
  }
}

function checkInt(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) throw new RangeError(`${name} ${value} is outside [${min}, ${max}]`);
  return value;
}

/** Writes the 61-byte header (CRC left for {@link writeBatchCrc}) into `buf`, whose length is the batch size. */
function writeHeader(buf: Buffer, count: number, layout: Layout, codec: CompressionCodec, options: BuildBatchOptions): void {
  writeInt64(buf, Offsets.baseOffset, 0);
  buf.writeInt32BE(buf.length - BATCH_LOG_OVERHEAD, Offsets.batchLength);
  buf.writeInt32BE(-1, Offsets.partitionLeaderEpoch);
  buf.writeInt8(MAGIC_V2, Offsets.magic);
  buf.writeInt16BE(codec, Offsets.attributes); // CreateTime, not transactional, not control
  buf.writeInt32BE(count - 1, Offsets.lastOffsetDelta);
  writeInt64(buf, Offsets.baseTimestamp, layout.baseTimestamp);
  writeInt64(buf, Offsets.maxTimestamp, layout.maxTimestamp);
  writeInt64(buf, Offsets.producerId, checkInt('producerId', options.producerId ?? -1, -1, Number.MAX_SAFE_INTEGER));
  buf.writeInt16BE(checkInt('producerEpoch', options.producerEpoch ?? -1, -1, 0x7fff), Offsets.producerEpoch);
  buf.writeInt32BE(checkInt('baseSequence', options.baseSequence ?? -1, -1, 0x7fff_ffff), Offsets.baseSequence);
  buf.writeInt32BE(count, Offsets.recordCount);
}

/** Uncompressed batch in one exact allocation; records are copied straight into place. */
export function buildRecordBatchSync(records: RecordInput[], options: Omit<BuildBatchOptions, 'compression'> = {}): Buffer {
  const layout = layoutOf(records);
  const buf = Buffer.allocUnsafe(BATCH_HEADER_SIZE + layout.recordsBytes);
  writeHeader(buf, records.length, layout, CompressionCodec.None, options);
  writeRecords(buf, BATCH_HEADER_SIZE, records, layout);
  writeBatchCrc(buf, 0);
  return buf;
}

/** One batch, compressed as a whole when `options.compression` is set (gzip always; others optional). */
export async function buildRecordBatch(records: RecordInput[], options: BuildBatchOptions = {}): Promise<Buffer> {
  const codec = options.compression ?? CompressionCodec.None;
  if (codec === CompressionCodec.None) return buildRecordBatchSync(records, options);
  const layout = layoutOf(records);
  const plain = Buffer.allocUnsafe(layout.recordsBytes);
  writeRecords(plain, 0, records, layout);
  const compressed = await compress(codec, plain);
  const buf = Buffer.allocUnsafe(BATCH_HEADER_SIZE + compressed.length);
  writeHeader(buf, records.length, layout, codec, options);
  compressed.copy(buf, BATCH_HEADER_SIZE);
  writeBatchCrc(buf, 0);
  return buf;
}

/** Parses the (decompressed) records section of one batch; `position` only labels errors. */
function decodeRecords(section: Buffer, header: BatchHeader, position: number): DecodedRecord[] {
  const count = header.recordCount;
  if (count > section.length / MIN_RECORD_SIZE) {
    throw new RecordFormatError(`batch at byte ${position} claims ${count} records in ${section.length} bytes`);
  }
  const fixed = (header.attributes & ATTR_TIMESTAMP_TYPE_LOG_APPEND) !== 0 ? header.maxTimestamp : undefined;
  const reader = new Reader(section);
  const records: DecodedRecord[] = new Array(count);
  let i = 0;
  try {
    for (; i < count; i++) records[i] = readRecord(reader, header.baseOffset, header.baseTimestamp, fixed);
  } catch (err) {
    if (!(err instanceof RecordFormatError)) throw err;
    throw new RecordFormatError(`batch at byte ${position}, record ${i}: ${err.message}`, { cause: err });
  }
  if (reader.remaining() !== 0) {
    throw new RecordFormatError(`batch at byte ${position} has ${reader.remaining()} bytes after its ${count} records`);
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
