// Reads records from a partition's log for a share-partition: the one place the broker decodes records
// (only on the share path; produce and fetch never do), to read the headers share groups act on.
//
// A window holds each record as its position in its batch (offset, timestamp, where its bytes lie, and the
// priority and delivery time its headers say), not as decoded views: a record's key, value and headers are
// decoded only if something asks for them (ShareFetch before v3, the HTTP door, a dead letter), which the
// ShareFetch v3 path never does: it answers the bytes as they lie.
import {
  ATTR_TIMESTAMP_TYPE_LOG_APPEND,
  BATCH_HEADER_SIZE,
  type BatchHeader,
  CompressionCodec,
  compressionOf,
  iterateBatches,
  type PartitionLog,
  ReadBufferPool,
} from '../../../storage/index.js';
import { decompress } from '../../records/compression.js';
import { RecordFormatError } from '../../records/errors.js';
import { DELIVER_AT_HEADER, MAX_PRIORITY, PRIORITY_HEADER } from '../../records/index.js';
import type { HeaderPairs } from '../../records/index.js';
import { RecordReader } from '../../records/record.js';
import { Reader } from '../../records/varint.js';
import type { ShareBatch, ShareRecord } from './share-partition.js';

const NO_HEADERS: HeaderPairs = Object.freeze([]) as unknown as HeaderPairs;

/**
 * Bytes read from the log per load: a window of small records (1,000 of ~100 B) and then some; a batch
 * larger than this is still read whole. The read buffers are pooled (every batch a window keeps is copied
 * out of them), so a load allocates only what it keeps.
 */
const READ_BYTES = 256 * 1024;
const readBuffers = new ReadBufferPool(4 * READ_BYTES);

/** A record of the window, as its position in its batch; key, value and headers decoded on first use. */
class LoggedRecord implements ShareRecord {
  #fields: RecordReader | undefined;

  constructor(
    readonly offset: number,
    readonly timestamp: number,
    readonly priority: number,
    readonly deliverAt: number,
    readonly batch: ShareBatch,
    readonly start: number,
    readonly end: number,
  ) {}

  get key(): Buffer | null {
    return this.#decoded().key;
  }

  get value(): Buffer | null {
    return this.#decoded().value;
  }

  get headers(): HeaderPairs {
    return this.#decoded().headers ?? NO_HEADERS;
  }

  #decoded(): RecordReader {
    if (this.#fields) return this.#fields;
    const reader = new RecordReader(this.batch.section.subarray(this.start, this.end), 1);
    reader.next();
    this.#fields = reader;
    return reader;
  }
}

export interface ReadShareRecords {
  records: ShareRecord[];
  /** Where the next read starts. */
  nextOffset: number;
}

/**
 * Records at or after `from` (at most `maxRecords`, at least one whole batch when there is one). Batches
 * are checked (length, CRC), copied and read one at a time, only as many as `maxRecords` needs.
 */
export async function readShareRecords(log: PartitionLog, from: number, maxRecords: number): Promise<ReadShareRecords> {
  const start = Math.max(from, log.logStartOffset);
  if (start >= log.logEndOffset || maxRecords <= 0) return { records: [], nextOffset: start };
  const read = await log.read(start, { maxBytes: READ_BYTES, pool: readBuffers });
  try {
    const records: ShareRecord[] = [];
    let nextOffset = start;
    // Chunk by chunk (each holds whole batches): never concatenated.
    for (const bytes of read.chunks) {
      if (records.length >= maxRecords) break;
      nextOffset = await readChunk(bytes, start, maxRecords, records, nextOffset);
    }
    return { records, nextOffset };
  } finally {
    // Nothing kept refers to the read's buffer: every batch section was copied out (shareBatch).
    if (read.lease) readBuffers.release(read.lease);
  }
}

/** Reads the batches of one chunk into `records` (up to maxRecords); returns the next offset to read. */
async function readChunk(
  bytes: Buffer,
  start: number,
  maxRecords: number,
  records: ShareRecord[],
  from: number,
): Promise<number> {
  let nextOffset = from;
  for (const { header, position } of iterateBatches(bytes, { validate: true })) {
    if (records.length >= maxRecords) break;
    const end = header.baseOffset + header.lastOffsetDelta + 1;
    if (end <= start) continue;
    const batch = await shareBatch(bytes, header, position);
    try {
      const last = skimBatch(batch, header.recordCount, start, maxRecords, records);
      if (last >= 0) nextOffset = last + 1;
      if (records.length >= maxRecords && last < end - 1) return nextOffset;
    } catch (err) {
      if (!(err instanceof RecordFormatError)) throw err;
      throw new RecordFormatError(`batch at offset ${header.baseOffset}: ${err.message}`, { cause: err });
    }
    nextOffset = Math.max(nextOffset, end);
  }
  return nextOffset;
}

/**
 * Adds the batch's records at or after `start` to `records` (up to maxRecords) as positions: each record's
 * length, timestamp and offset deltas are read, its key and value skipped, and its headers decoded only
 * when it has some. Returns the offset of the last record added, or -1.
 *
 * Record layout (Kafka v2): length varint | attributes int8 | timestampDelta varlong | offsetDelta varint |
 * keyLength varint, key | valueLength varint, value | headerCount varint, headers.
 */
function skimBatch(
  batch: ShareBatch,
  count: number,
  start: number,
  maxRecords: number,
  records: ShareRecord[],
): number {
  const section = batch.section;
  const reader = new Reader(section);
  let last = -1;
  for (let i = 0; i < count; i++) {
    const recordStart = reader.pos;
    reader.end = section.length;
    const length = reader.readVarint();
    if (length < 1 || length > reader.remaining())
      throw new RecordFormatError(`record length ${length} at position ${recordStart} does not fit the section`);
    const recordEnd = reader.pos + length;
    reader.end = recordEnd;
    reader.pos++; // attributes
    const timestampDelta = reader.readVarlong();
    const offset = batch.baseOffset + reader.readVarint();
    if (offset < start) {
      reader.pos = recordEnd;
      continue;
    }
    if (records.length >= maxRecords) break;
    skipBytes(reader, 'key');
    skipBytes(reader, 'value');
    let priority = 0;
    let deliverAt = 0;
    if (reader.readVarint() !== 0) {
      const headers = headersOf(section.subarray(recordStart, recordEnd));
      priority = priorityOf(headers);
      deliverAt = deliverAtOf(headers);
    }
    const timestamp = batch.appendTimestamp ?? batch.baseTimestamp + timestampDelta;
    records.push(new LoggedRecord(offset, timestamp, priority, deliverAt, batch, recordStart, recordEnd));
    last = offset;
    reader.pos = recordEnd;
  }
  if (records.length < maxRecords && reader.pos !== section.length)
    throw new RecordFormatError(`${section.length - reader.pos} bytes after the batch's ${count} records`);
  return last;
}

/** Skips a nullable byte field (length varint, -1 = null). */
function skipBytes(reader: Reader, what: string): void {
  const length = reader.readVarint();
  if (length < -1) throw new RecordFormatError(`${what} length ${length} is invalid`);
  if (length > 0) {
    reader.need(length, what);
    reader.pos += length;
  }
}

/** The headers of one record (its bytes, length field included). */
function headersOf(record: Buffer): HeaderPairs {
  const reader = new RecordReader(record, 1);
  reader.next();
  return reader.headers ?? NO_HEADERS;
}

/**
 * The batch at `position` of `bytes` as the window keeps it: its records section copied out of the read's
 * buffer (a pooled file read, or the tail cache: neither is the window's to keep for as long as records are
 * in flight), or decompressed (a buffer of its own).
 */
async function shareBatch(bytes: Buffer, header: BatchHeader, position: number): Promise<ShareBatch> {
  const raw = bytes.subarray(position + BATCH_HEADER_SIZE, position + header.sizeInBytes);
  const codec = compressionOf(header.attributes);
  const section = codec === CompressionCodec.None ? Buffer.from(raw) : await decompress(codec, raw);
  const logAppend = (header.attributes & ATTR_TIMESTAMP_TYPE_LOG_APPEND) !== 0;
  return {
    section,
    baseOffset: header.baseOffset,
    baseTimestamp: header.baseTimestamp,
    appendTimestamp: logAppend ? header.maxTimestamp : null,
  };
}

/**
 * The records at these offsets (one read each: parked records read back after a restart); `gone` lists the
 * offsets the log no longer has (retention or compaction removed them).
 */
export async function readShareRecordsAt(
  log: PartitionLog,
  offsets: readonly number[],
): Promise<{ records: ShareRecord[]; gone: number[] }> {
  const records: ShareRecord[] = [];
  const gone: number[] = [];
  for (const offset of offsets) {
    const found = offset >= log.logStartOffset ? (await readShareRecords(log, offset, 1)).records[0] : undefined;
    if (found?.offset === offset) records.push(found);
    else gone.push(offset);
  }
  return { records, gone };
}

function header(headers: HeaderPairs, name: string): string | undefined {
  for (let i = headers.length - 1; i >= 0; i--) {
    const [key, value] = headers[i]!;
    if (key === name) return value?.toString('latin1');
  }
  return undefined;
}

/** sluice-priority: "0".."9"; anything else (absent, garbled) is the default, 0. */
export function priorityOf(headers: HeaderPairs): number {
  if (headers.length === 0) return 0;
  const text = header(headers, PRIORITY_HEADER);
  if (text === undefined || !/^\d$/.test(text)) return 0;
  return Math.min(Number(text), MAX_PRIORITY);
}

/** sluice-deliver-at: ms since the epoch as a decimal string; anything else means now (0). */
export function deliverAtOf(headers: HeaderPairs): number {
  if (headers.length === 0) return 0;
  const text = header(headers, DELIVER_AT_HEADER);
  if (text === undefined || !/^\d{1,16}$/.test(text)) return 0;
  const at = Number(text);
  return Number.isSafeInteger(at) ? at : 0;
}
