// Reads records from a partition's log for a share-partition: the one place the broker decodes records
// (only on the share path; produce and fetch never do), to read the headers share groups act on.
import {
  ATTR_TIMESTAMP_TYPE_LOG_APPEND,
  BATCH_HEADER_SIZE,
  type BatchHeader,
  CompressionCodec,
  compressionOf,
  iterateBatches,
  type PartitionLog,
} from '../../../storage/index.js';
import { decompress } from '../../records/compression.js';
import { RecordFormatError } from '../../records/errors.js';
import { DELIVER_AT_HEADER, MAX_PRIORITY, PRIORITY_HEADER } from '../../records/index.js';
import type { HeaderPairs } from '../../records/index.js';
import { RecordReader } from '../../records/record.js';
import type { ShareBatch, ShareRecord } from './share-partition.js';

const NO_HEADERS: HeaderPairs = Object.freeze([]) as unknown as HeaderPairs;

/** Bytes read from the log per load: enough for a window of small records, bounded for large ones. */
const READ_BYTES = 1024 * 1024;

export interface ReadShareRecords {
  records: ShareRecord[];
  /** Where the next read starts. */
  nextOffset: number;
}

/**
 * Records at or after `from` (at most `maxRecords`, at least one whole batch when there is one). Batches
 * are checked (length, CRC), copied and decoded one at a time, only as many as `maxRecords` needs: a read
 * returns up to READ_BYTES of small records, many times what one window takes.
 */
export async function readShareRecords(log: PartitionLog, from: number, maxRecords: number): Promise<ReadShareRecords> {
  const start = Math.max(from, log.logStartOffset);
  if (start >= log.logEndOffset || maxRecords <= 0) return { records: [], nextOffset: start };
  const read = await log.read(start, { maxBytes: READ_BYTES });
  if (read.chunks.length === 0) return { records: [], nextOffset: start };
  const records: ShareRecord[] = [];
  let nextOffset = start;
  // Chunk by chunk (each holds whole batches): the read is up to 1 MiB of which a window takes a batch or
  // two, so the chunks are never concatenated.
  for (const bytes of read.chunks) {
    if (records.length >= maxRecords) break;
    nextOffset = await readChunk(bytes, start, maxRecords, records, nextOffset);
  }
  return { records, nextOffset };
}

/** Decodes the batches of one chunk into `records` (up to maxRecords); returns the next offset to read. */
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
      const reader = new RecordReader(batch.section, header.recordCount);
      let at = 0;
      while (reader.next()) {
        const recordStart = at;
        at += reader.size;
        const offset = batch.baseOffset + reader.offsetDelta;
        if (offset < start) continue;
        if (records.length >= maxRecords) return nextOffset;
        const headers = reader.headers ?? NO_HEADERS;
        records.push({
          offset,
          timestamp: batch.appendTimestamp ?? batch.baseTimestamp + reader.timestampDelta,
          key: reader.key,
          value: reader.value,
          headers,
          priority: priorityOf(headers),
          deliverAt: deliverAtOf(headers),
          batch,
          start: recordStart,
          end: at,
        });
        nextOffset = offset + 1;
      }
    } catch (err) {
      if (!(err instanceof RecordFormatError)) throw err;
      throw new RecordFormatError(`batch at offset ${header.baseOffset}: ${err.message}`, { cause: err });
    }
    nextOffset = Math.max(nextOffset, end);
  }
  return nextOffset;
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
