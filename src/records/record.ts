// One record inside a RecordBatch v2 (Kafka's DefaultRecord), all integers zigzag varints:
//   length          varint   bytes of everything after this field
//   attributes      int8     unused, always 0
//   timestampDelta  varlong  timestamp - batch baseTimestamp (may be negative)
//   offsetDelta     varint   offset - batch baseOffset (0, 1, 2 … in a producer's batch)
//   keyLength       varint   -1 = null key
//   key             bytes
//   valueLength     varint   -1 = null value
//   value           bytes
//   headerCount     varint
//   headers         [keyLength varint, key utf8 (never null), valueLength varint (-1 = null), value]
// Encoding: batch-builder.ts (straight into the batch buffer); decoding: readRecord below.
import { RecordFormatError } from './errors.js';
import { type Reader, MAX_VARINT_BYTES, MAX_VARLONG_BYTES } from './varint.js';

export type HeaderPairs = Array<[string, Buffer | null]>;

export interface RecordInput {
  key: Buffer | null;
  value: Buffer | null;
  headers?: HeaderPairs;
  /** Milliseconds since the epoch (a safe integer). */
  timestamp: number;
}

export interface DecodedRecord {
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: HeaderPairs;
}

const EMPTY_HEADERS: HeaderPairs = [];

/**
 * Upper bound of a record's encoded size (length field included), cheap enough to call per send:
 * varints are counted at their maximum width and header keys at 3 UTF-8 bytes per UTF-16 unit.
 */
export function estimateRecordSize(record: RecordInput): number {
  // length + attributes + timestampDelta + offsetDelta + key/value length prefixes + headerCount
  let size = MAX_VARINT_BYTES + 1 + MAX_VARLONG_BYTES + MAX_VARINT_BYTES * 4;
  size += (record.key?.length ?? 0) + (record.value?.length ?? 0);
  for (const [key, value] of record.headers ?? EMPTY_HEADERS) {
    size += MAX_VARINT_BYTES * 2 + key.length * 3 + (value?.length ?? 0);
  }
  return size;
}

function readNullable(reader: Reader, what: string): Buffer | null {
  const length = reader.readVarint();
  if (length === -1) return null;
  if (length < -1) throw new RecordFormatError(`${what} length ${length} is invalid`);
  return reader.readBytes(length, what);
}

function readHeaders(reader: Reader): HeaderPairs {
  const count = reader.readVarint();
  if (count === 0) return [];
  // Each header takes at least 2 bytes, so a count beyond remaining/2 cannot be honest.
  if (count < 0 || count > reader.remaining() / 2) throw new RecordFormatError(`header count ${count} is invalid`);
  const headers: HeaderPairs = new Array(count);
  for (let i = 0; i < count; i++) {
    const keyLength = reader.readVarint();
    if (keyLength < 0)
      throw new RecordFormatError(`header key length ${keyLength} is invalid (header keys are never null)`);
    const keyBytes = reader.readBytes(keyLength, 'header key');
    headers[i] = [keyBytes.toString('utf8'), readNullable(reader, 'header value')];
  }
  return headers;
}

/**
 * Reads one record at the reader's position. `baseOffset`/`baseTimestamp` come from the batch;
 * `fixedTimestamp` (LogAppendTime batches) replaces every record's own timestamp.
 */
export function readRecord(
  reader: Reader,
  baseOffset: number,
  baseTimestamp: number,
  fixedTimestamp?: number,
): DecodedRecord {
  const length = reader.readVarint();
  if (length < 0) throw new RecordFormatError(`record length ${length} is negative`);
  reader.need(length, 'record');
  const start = reader.pos;
  const end = start + length;
  // Narrow the reader to this record so no field can run into the next one. After an error the
  // reader is left narrowed: callers discard it (decoding stops at the first bad record).
  const outerEnd = reader.end;
  reader.end = end;
  reader.readInt8(); // attributes: unused in v2
  const timestampDelta = reader.readVarlong();
  const offsetDelta = reader.readVarint();
  const key = readNullable(reader, 'record key');
  const value = readNullable(reader, 'record value');
  const headers = readHeaders(reader);
  reader.end = outerEnd;
  if (reader.pos !== end) {
    throw new RecordFormatError(
      `record at position ${start} declares ${length} bytes but its fields use ${reader.pos - start}`,
    );
  }
  return {
    offset: baseOffset + offsetDelta,
    timestamp: fixedTimestamp ?? baseTimestamp + timestampDelta,
    key,
    value,
    headers,
  };
}
