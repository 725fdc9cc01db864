// Control batches: the transaction markers a transaction coordinator writes into every partition of a
// transaction when it ends (Kafka's EndTransactionMarker). Pure code: no I/O, safe for the SDK to import.
//
// A control batch is a RecordBatch v2 with attributes bits 4 (transactional) and 5 (control) set, the
// producer's id and epoch, baseSequence -1, never compressed, holding one record:
//   key   int16 version (0) | int16 type (0 = ABORT, 1 = COMMIT)                       4 bytes
//   value int16 version (0) | int32 coordinatorEpoch                                   6 bytes
// The record's framing (varints zigzag-encoded): length 16 | attributes 0 | timestampDelta 0 | offsetDelta 0 |
// keyLength 4 | key | valueLength 6 | value | headerCount 0 — 17 bytes after the 61-byte batch header.
import {
  ATTR_CONTROL,
  ATTR_TRANSACTIONAL,
  BATCH_HEADER_SIZE,
  BATCH_LOG_OVERHEAD,
  MAGIC_V2,
  Offsets,
  writeBatchCrc,
  writeInt64,
} from './record-batch.js';

export const CONTROL_TYPE_ABORT = 0;
export const CONTROL_TYPE_COMMIT = 1;

const RECORD_BYTES = 17;
export const CONTROL_BATCH_SIZE = BATCH_HEADER_SIZE + RECORD_BYTES;

export interface TransactionMarker {
  producerId: number;
  producerEpoch: number;
  commit: boolean;
  coordinatorEpoch: number;
  /** Milliseconds since the epoch: the batch's base and max timestamp. */
  timestamp: number;
}

/** One control batch (base offset 0: the log assigns it). */
export function buildControlBatch(marker: TransactionMarker): Buffer {
  const buf = Buffer.alloc(CONTROL_BATCH_SIZE);
  writeInt64(buf, Offsets.baseOffset, 0);
  buf.writeInt32BE(CONTROL_BATCH_SIZE - BATCH_LOG_OVERHEAD, Offsets.batchLength);
  buf.writeInt32BE(-1, Offsets.partitionLeaderEpoch);
  buf.writeInt8(MAGIC_V2, Offsets.magic);
  buf.writeInt16BE(ATTR_TRANSACTIONAL | ATTR_CONTROL, Offsets.attributes);
  buf.writeInt32BE(0, Offsets.lastOffsetDelta);
  writeInt64(buf, Offsets.baseTimestamp, marker.timestamp);
  writeInt64(buf, Offsets.maxTimestamp, marker.timestamp);
  writeInt64(buf, Offsets.producerId, marker.producerId);
  buf.writeInt16BE(marker.producerEpoch, Offsets.producerEpoch);
  buf.writeInt32BE(-1, Offsets.baseSequence);
  buf.writeInt32BE(1, Offsets.recordCount);
  let pos = Offsets.records;
  buf[pos++] = 16 << 1; // record length 16, zigzag
  buf[pos++] = 0; // attributes
  buf[pos++] = 0; // timestampDelta
  buf[pos++] = 0; // offsetDelta
  buf[pos++] = 4 << 1; // keyLength 4
  buf.writeInt16BE(0, pos);
  buf.writeInt16BE(marker.commit ? CONTROL_TYPE_COMMIT : CONTROL_TYPE_ABORT, pos + 2);
  pos += 4;
  buf[pos++] = 6 << 1; // valueLength 6
  buf.writeInt16BE(0, pos);
  buf.writeInt32BE(marker.coordinatorEpoch, pos + 2);
  pos += 6;
  buf[pos++] = 0; // header count
  writeBatchCrc(buf, 0);
  return buf;
}

function readZigzagVarint(buf: Buffer, at: { pos: number }, end: number): number | undefined {
  let value = 0;
  let shift = 0;
  while (at.pos < end && shift < 35) {
    const byte = buf[at.pos++]!;
    value |= (byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return (value >>> 1) ^ -(value & 1);
    shift += 7;
  }
  return undefined;
}

export interface ControlRecord {
  type: number;
  /** Present for transaction markers (types 0 and 1) with a value. */
  coordinatorEpoch: number | undefined;
}

/**
 * The control record of the control batch at `pos` (its first record's key and value), or undefined when
 * the bytes do not hold one. `end`: how far the buffer may be read (at most the batch's end).
 */
export function readControlRecord(buf: Buffer, pos: number, end = buf.length): ControlRecord | undefined {
  const at = { pos: pos + Offsets.records };
  if (readZigzagVarint(buf, at, end) === undefined) return undefined; // length
  at.pos += 1; // attributes
  if (readZigzagVarint(buf, at, end) === undefined) return undefined; // timestampDelta
  if (readZigzagVarint(buf, at, end) === undefined) return undefined; // offsetDelta
  const keyLength = readZigzagVarint(buf, at, end);
  if (keyLength === undefined || keyLength < 4 || at.pos + keyLength > end) return undefined;
  const type = buf.readInt16BE(at.pos + 2);
  at.pos += keyLength;
  const valueLength = readZigzagVarint(buf, at, end);
  const coordinatorEpoch =
    valueLength !== undefined && valueLength >= 6 && at.pos + 6 <= end ? buf.readInt32BE(at.pos + 2) : undefined;
  return { type, coordinatorEpoch };
}

/** True when the batch at `pos` is a control batch (attributes bit 5). */
export function isControlBatch(buf: Buffer, pos = 0): boolean {
  return (buf.readInt16BE(pos + Offsets.attributes) & ATTR_CONTROL) !== 0;
}

/** True when the batch at `pos` is part of a transaction (attributes bit 4). */
export function isTransactionalBatch(buf: Buffer, pos = 0): boolean {
  return (buf.readInt16BE(pos + Offsets.attributes) & ATTR_TRANSACTIONAL) !== 0;
}
