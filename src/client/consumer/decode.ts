// Fetch bytes → kafkajs messages, without intermediate record objects. Batches are validated (length,
// magic, and CRC-32C when the consumer's `checkCrcs` is on) with storage/format, records are read by
// src/records/record.ts's RecordReader (the SDK's one record decoder); records below
// `fromOffset` are skipped (a fetch starts with the whole batch holding the requested offset); a batch
// cut off at the end of the response is ignored (the next fetch asks for it again); control batches are
// skipped, and so are the batches of aborted transactions when the fetch was read_committed
// (aborted-transactions.ts). Keys, values and header values of uncompressed batches are views of the response,
// or, when the caller passes RecordCopies, of copies the record decoder makes as it reads (record-copies.ts):
// the response then holds no message's bytes and can be reused.
import { decompress } from '../../records/compression.js';
import { NoHeaders, pairsToHeaders, type DecodedHeaders } from '../../records/headers.js';
import { plainObjectConstructor } from '../../records/plain-objects.js';
import { MIN_RECORD_SIZE, RecordReader } from '../../records/record.js';
import {
  ATTR_CONTROL,
  ATTR_TIMESTAMP_TYPE_LOG_APPEND,
  BATCH_HEADER_SIZE,
  BATCH_LOG_OVERHEAD,
  CompressionCodec,
  compressionOf,
  Offsets,
  readInt64,
  validateBatch,
  type BatchHeader,
} from '../../../storage/format/record-batch.js';
import { OffsetStrings } from '../decimal-strings.js';
import type { AbortedTransactionFilter } from './aborted-transactions.js';
import { MessageOffsets } from './message-offsets.js';
import type { RecordCopies } from './record-copies.js';
import type { KafkaMessage } from './types.js';

export interface ScannedFetch {
  /** Bytes of complete batches (a batch cut off at the end of the response is left out). */
  end: number;
  /** Offset after the last complete batch (fromOffset when none): where the next fetch starts. */
  nextOffset: number;
}

/** Walks batch headers only (no CRC, no records): cheap enough to run as each fetch response lands. */
export function scanFetchedRecords(bytes: Buffer, fromOffset: number): ScannedFetch {
  let nextOffset = fromOffset;
  let pos = 0;
  while (bytes.length - pos >= BATCH_HEADER_SIZE) {
    const size = bytes.readInt32BE(pos + Offsets.batchLength) + BATCH_LOG_OVERHEAD;
    if (size < BATCH_HEADER_SIZE || size > bytes.length - pos) break;
    const lastOffset = readInt64(bytes, pos + Offsets.baseOffset) + bytes.readInt32BE(pos + Offsets.lastOffsetDelta);
    if (lastOffset + 1 > nextOffset) nextOffset = lastOffset + 1;
    pos += size;
  }
  return { end: pos, nextOffset };
}

/** The batch at `baseOffset` of a fetch response cannot be decoded; `cause` says why. */
export class UndecodableBatchError extends Error {
  override readonly name = 'UndecodableBatchError';
  constructor(
    readonly baseOffset: number,
    cause: unknown,
  ) {
    super((cause as Error)?.message ?? String(cause), { cause });
  }
}

export interface DecodedChunk {
  messages: KafkaMessage[];
  /** Each message's offset as a number (the runner's arithmetic; messages carry it as a string). */
  offsets: MessageOffsets;
  /** Position after the last batch decoded. */
  pos: number;
  /**
   * Offset after the last batch decoded (fromOffset when none), delivered or not: past the transaction
   * markers and aborted batches that hold no message for the application.
   */
  nextOffset: number;
  /** Some message's key, value or header value is a view of `bytes` (not copied out). */
  aliases: boolean;
}

/**
 * Decodes whole batches from `pos` until about `maxBytes` were read (at least one batch), validating
 * each (its CRC-32C too when `checkCrcs`). A bad batch throws UndecodableBatchError when it comes first;
 * after good ones, the chunk ends before it (so the good ones are delivered and the next call throws). Decoding lazily, a
 * slice at a time, keeps messages short-lived: they are made just before the application sees them,
 * instead of a whole prefetched response at once. With `copies`, the records of
 * uncompressed batches are copied out as they are read (see record-copies.ts).
 */
export async function decodeFetchedChunk(
  bytes: Buffer,
  pos: number,
  end: number,
  fromOffset: number,
  maxBytes: number,
  checkCrcs = true,
  aborted: AbortedTransactionFilter | null = null,
  copies: RecordCopies | null = null,
): Promise<DecodedChunk> {
  const stop = pos + maxBytes;
  const messages: KafkaMessage[] = newMessageArray(recordsAhead(bytes, pos, end, stop));
  let count = 0;
  const offsets = new MessageOffsets();
  let nextOffset = fromOffset;
  let aliases = false;
  while (pos < end && (pos < stop || count === 0)) {
    const decoded = count;
    let header: BatchHeader;
    try {
      header = validateBatch(bytes, pos, checkCrcs);
      const lastOffset = header.baseOffset + header.lastOffsetDelta;
      const dropped = aborted === null ? (header.attributes & ATTR_CONTROL) !== 0 : aborted.drops(bytes, pos, header);
      if (lastOffset >= fromOffset && !dropped) {
        const codec = compressionOf(header.attributes);
        let section = bytes.subarray(pos + BATCH_HEADER_SIZE, pos + header.sizeInBytes);
        if (codec !== CompressionCodec.None) section = await decompress(codec, section);
        const inResponse = section.buffer === bytes.buffer;
        if (inResponse && copies === null) aliases = true;
        count = readMessages(
          section,
          header.recordCount,
          header,
          fromOffset,
          messages,
          count,
          offsets,
          inResponse ? copies : null,
        );
      }
    } catch (error) {
      // The batches before a bad one are delivered; the next call starts at the bad one and throws.
      if (decoded === 0) {
        const baseOffset = bytes.length - pos >= 8 ? readInt64(bytes, pos + Offsets.baseOffset) : fromOffset;
        throw new UndecodableBatchError(baseOffset, error);
      }
      count = decoded;
      offsets.truncate(decoded);
      break;
    }
    pos += header.sizeInBytes;
    const after = header.baseOffset + header.lastOffsetDelta + 1;
    if (after > nextOffset) nextOffset = after;
  }
  if (messages.length !== count) messages.length = count;
  return { messages, offsets, pos, nextOffset, aliases };
}

/** Preallocated message arrays stay below V8's limit for fast (non-dictionary) elements made by `new Array(n)`. */
const MAX_PREALLOCATED_MESSAGES = 50_000;

/**
 * How many records the batches a chunk will decode claim (from their headers, each bounded by what its
 * bytes can hold), so the chunk's message array is made once at its size instead of grown and copied
 * as messages are appended; 0 when unknown or too many (the array then grows).
 */
function recordsAhead(bytes: Buffer, pos: number, end: number, stop: number): number {
  let records = 0;
  let first = true;
  while (end - pos >= BATCH_HEADER_SIZE && (pos < stop || first)) {
    first = false;
    const size = bytes.readInt32BE(pos + Offsets.batchLength) + BATCH_LOG_OVERHEAD;
    if (size < BATCH_HEADER_SIZE || size > end - pos) break;
    const claimed = bytes.readInt32BE(pos + Offsets.recordCount);
    if (claimed > 0) records += Math.min(claimed, Math.floor((size - BATCH_HEADER_SIZE) / MIN_RECORD_SIZE));
    pos += size;
  }
  return records <= MAX_PREALLOCATED_MESSAGES ? records : 0;
}

/** `capacity` holes to fill in order (messages[count++] = …), or an empty array that grows as it is filled. */
function newMessageArray(capacity: number): KafkaMessage[] {
  return capacity > 0 ? new Array<KafkaMessage>(capacity) : [];
}

/** A message: a plain object made by a constructor (records/plain-objects.ts), never pretenured. */
const Message = plainObjectConstructor(function PlainMessage(
  this: KafkaMessage,
  attributes: number,
  timestamp: string,
  offset: string,
  key: Buffer | null,
  value: Buffer | null,
  headers: DecodedHeaders,
  size: number,
) {
  this.magicByte = 2;
  this.attributes = attributes;
  this.timestamp = timestamp;
  this.offset = offset;
  this.key = key;
  this.value = value;
  this.headers = headers;
  this.isControlRecord = false;
  this.size = size;
});

/**
 * Writes the messages of the `count` records of `section` (a batch's records section) at or after fromOffset
 * to `out` from index `outCount` on and returns the count after them; with `copies`, their bytes are copied
 * there as they are read and the messages view the copies.
 */
function readMessages(
  section: Buffer,
  count: number,
  header: BatchHeader,
  fromOffset: number,
  out: KafkaMessage[],
  outCount: number,
  outOffsets: MessageOffsets,
  copies: RecordCopies | null,
): number {
  const { baseOffset, baseTimestamp } = header;
  const logAppend = (header.attributes & ATTR_TIMESTAMP_TYPE_LOG_APPEND) !== 0;
  const offsets = new OffsetStrings();
  // Records of one batch mostly share their timestamp (or a few): convert each distinct delta once.
  let lastDelta = Number.NaN;
  let lastTimestamp = logAppend ? String(header.maxTimestamp) : '';
  const records = new RecordReader(section, count, fromOffset - baseOffset, copies);
  while (records.next()) {
    const timestampDelta = records.timestampDelta;
    if (!logAppend && timestampDelta !== lastDelta) {
      lastDelta = timestampDelta;
      lastTimestamp = String(baseTimestamp + timestampDelta);
    }
    const headers = records.headers;
    const offset = baseOffset + records.offsetDelta;
    outOffsets.push(offset);
    out[outCount++] = new Message(
      records.attributes,
      lastTimestamp,
      offsets.of(offset),
      records.key,
      records.value,
      headers === null ? new NoHeaders() : pairsToHeaders(headers),
      records.size,
    );
  }
  return outCount;
}
