// In-memory sparse indexes of one segment, persisted as Kafka-shaped files when the segment is sealed
// and when the log closes (see README.md). Entries are kept in typed arrays that grow by doubling.
//
// .index     entries of 8 bytes, big-endian: u32 relativeOffset (batch baseOffset - segment base), u32 position
// .timeindex entries of 12 bytes, big-endian: i64 timestamp (largest timestamp so far), u32 relativeOffset
//            (of the batch that holds that timestamp)
// Both are strictly increasing in every column (time index: timestamp strictly, offset non-decreasing).
import { readInt64, writeInt64 } from './format/record-batch.js';

const OFFSET_ENTRY_SIZE = 8;
const TIME_ENTRY_SIZE = 12;

export class OffsetIndex {
  private rel = new Uint32Array(64);
  private pos = new Uint32Array(64);
  length = 0;

  append(relativeOffset: number, position: number): void {
    if (this.length === this.rel.length) {
      this.rel = grow(this.rel);
      this.pos = grow(this.pos);
    }
    this.rel[this.length] = relativeOffset;
    this.pos[this.length] = position;
    this.length++;
  }

  relAt(i: number): number {
    return this.rel[i]!;
  }
  positionAt(i: number): number {
    return this.pos[i]!;
  }

  /** Index of the last entry with relativeOffset <= rel, or -1. */
  floor(rel: number): number {
    let lo = 0;
    let hi = this.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.rel[mid]! <= rel) {
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
      if (this.pos[mid]! <= position) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  /** Drops entries at or beyond `rel` or `position` (used by truncation). */
  truncateFrom(rel: number, position: number): void {
    while (this.length > 0 && (this.rel[this.length - 1]! >= rel || this.pos[this.length - 1]! >= position))
      this.length--;
  }

  toBuffer(): Buffer {
    const buf = Buffer.allocUnsafe(this.length * OFFSET_ENTRY_SIZE);
    for (let i = 0; i < this.length; i++) {
      buf.writeUInt32BE(this.rel[i]!, i * OFFSET_ENTRY_SIZE);
      buf.writeUInt32BE(this.pos[i]!, i * OFFSET_ENTRY_SIZE + 4);
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
      if (n > 0 && (rel <= index.rel[n - 1]! || position <= index.pos[n - 1]!)) return undefined;
      index.append(rel, position);
    }
    return index;
  }
}

export class TimeIndex {
  private ts = new Float64Array(64);
  private rel = new Uint32Array(64);
  length = 0;

  append(timestamp: number, relativeOffset: number): void {
    if (this.length === this.ts.length) {
      this.ts = grow(this.ts);
      this.rel = grow(this.rel);
    }
    this.ts[this.length] = timestamp;
    this.rel[this.length] = relativeOffset;
    this.length++;
  }

  get lastTimestamp(): number {
    return this.length === 0 ? -1 : this.ts[this.length - 1]!;
  }

  timestampAt(i: number): number {
    return this.ts[i]!;
  }
  relAt(i: number): number {
    return this.rel[i]!;
  }

  /** Index of the last entry whose timestamp is < ts, or -1: every batch up to its offset is older than ts. */
  lastBefore(ts: number): number {
    let lo = 0;
    let hi = this.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ts[mid]! < ts) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  truncateFrom(rel: number): void {
    while (this.length > 0 && this.rel[this.length - 1]! >= rel) this.length--;
  }

  toBuffer(): Buffer {
    const buf = Buffer.allocUnsafe(this.length * TIME_ENTRY_SIZE);
    for (let i = 0; i < this.length; i++) {
      writeInt64(buf, i * TIME_ENTRY_SIZE, this.ts[i]!);
      buf.writeUInt32BE(this.rel[i]!, i * TIME_ENTRY_SIZE + 8);
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
      if (n > 0 && (ts <= index.ts[n - 1]! || rel < index.rel[n - 1]!)) return undefined;
      index.append(ts, rel);
    }
    return index;
  }
}

function grow<T extends Uint32Array | Float64Array>(a: T): T {
  const next = new (a.constructor as new (n: number) => T)(a.length * 2);
  next.set(a);
  return next;
}
