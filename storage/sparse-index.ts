// In-memory sparse indexes of one segment, persisted as Kafka-shaped files when the segment is sealed
// and when the log closes (see README.md). Entries are kept in columns of typed-array chunks (column.ts).
//
// .index     entries of 8 bytes, big-endian: u32 relativeOffset (batch baseOffset - segment base), u32 position
// .timeindex entries of 12 bytes, big-endian: i64 timestamp (largest timestamp so far), u32 relativeOffset
//            (of the batch that holds that timestamp)
// Both are strictly increasing in every column (time index: timestamp strictly, offset non-decreasing).
import { Column } from './column.js';
import { readInt64, writeInt64 } from './format/record-batch.js';

const OFFSET_ENTRY_SIZE = 8;
const TIME_ENTRY_SIZE = 12;

export class OffsetIndex {
  private readonly rel = new Column((n) => new Uint32Array(n));
  private readonly pos = new Column((n) => new Uint32Array(n));
  length = 0;

  append(relativeOffset: number, position: number): void {
    this.rel.set(this.length, relativeOffset);
    this.pos.set(this.length, position);
    this.length++;
  }

  relAt(i: number): number {
    return this.rel.get(i);
  }
  positionAt(i: number): number {
    return this.pos.get(i);
  }

  /** Index of the last entry with relativeOffset <= rel, or -1. */
  floor(rel: number): number {
    let lo = 0;
    let hi = this.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.rel.get(mid) <= rel) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  /** Index of the last entry with position <= position, or -1. */
  floorByPosition(position: number): number {
    let lo = 0;
    let hi = this.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.pos.get(mid) <= position) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  /** Drops entries at or beyond `rel` or `position` (used by truncation). */
  truncateFrom(rel: number, position: number): void {
    while (this.length > 0 && (this.rel.get(this.length - 1) >= rel || this.pos.get(this.length - 1) >= position))
      this.length--;
  }

  toBuffer(): Buffer {
    const buf = Buffer.allocUnsafe(this.length * OFFSET_ENTRY_SIZE);
    for (let i = 0; i < this.length; i++) {
      buf.writeUInt32BE(this.rel.get(i), i * OFFSET_ENTRY_SIZE);
      buf.writeUInt32BE(this.pos.get(i), i * OFFSET_ENTRY_SIZE + 4);
    }
    return buf;
  }

  /**
   * Parses an index file; undefined when it is not a consistent index for a log of `logSize` bytes
   * (length not a multiple of 8, entries not strictly increasing, a position past the end).
   */
  static parse(buf: Buffer, logSize: number): OffsetIndex | undefined {
    if (buf.length % OFFSET_ENTRY_SIZE !== 0) return undefined;
    const index = new OffsetIndex();
    for (let p = 0; p < buf.length; p += OFFSET_ENTRY_SIZE) {
      const rel = buf.readUInt32BE(p);
      const position = buf.readUInt32BE(p + 4);
      const n = index.length;
      if (position >= logSize) return undefined;
      if (n > 0 && (rel <= index.relAt(n - 1) || position <= index.positionAt(n - 1))) return undefined;
      index.append(rel, position);
    }
    return index;
  }
}

export class TimeIndex {
  private readonly ts = new Column((n) => new Float64Array(n));
  private readonly rel = new Column((n) => new Uint32Array(n));
  length = 0;

  append(timestamp: number, relativeOffset: number): void {
    this.ts.set(this.length, timestamp);
    this.rel.set(this.length, relativeOffset);
    this.length++;
  }

  get lastTimestamp(): number {
    return this.length === 0 ? -1 : this.ts.get(this.length - 1);
  }

  timestampAt(i: number): number {
    return this.ts.get(i);
  }
  relAt(i: number): number {
    return this.rel.get(i);
  }

  /** Index of the last entry whose timestamp is < ts, or -1: every batch up to its offset is older than ts. */
  lastBefore(ts: number): number {
    let lo = 0;
    let hi = this.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ts.get(mid) < ts) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  truncateFrom(rel: number): void {
    while (this.length > 0 && this.rel.get(this.length - 1) >= rel) this.length--;
  }

  toBuffer(): Buffer {
    const buf = Buffer.allocUnsafe(this.length * TIME_ENTRY_SIZE);
    for (let i = 0; i < this.length; i++) {
      writeInt64(buf, i * TIME_ENTRY_SIZE, this.ts.get(i));
      buf.writeUInt32BE(this.rel.get(i), i * TIME_ENTRY_SIZE + 8);
    }
    return buf;
  }

  /** Parses a time index; undefined when inconsistent or when an offset is not below `relLimit`. */
  static parse(buf: Buffer, relLimit: number): TimeIndex | undefined {
    if (buf.length % TIME_ENTRY_SIZE !== 0) return undefined;
    const index = new TimeIndex();
    for (let p = 0; p < buf.length; p += TIME_ENTRY_SIZE) {
      const ts = readInt64(buf, p);
      const rel = buf.readUInt32BE(p + 8);
      const n = index.length;
      if (rel >= relLimit || !Number.isSafeInteger(ts)) return undefined;
      if (n > 0 && (ts <= index.timestampAt(n - 1) || rel < index.relAt(n - 1))) return undefined;
      index.append(ts, rel);
    }
    return index;
  }
}
