// The records of a ShareFetch answer, as the share consumer hands them to its handler: from v3's slices
// (records as they lie in their batch, read with the SDK's record decoder; keys, values and header values
// are views of the response frame, which is this answer's own) or from the decoded entries of v0-2.
import type { ShareFetchedRecord, ShareFetchedSlice } from '../../protocol/index.js';
import type { HeaderPairs } from '../../records/index.js';
import { RecordReader } from '../../records/record.js';
import { OffsetStrings, TimestampStrings } from '../decimal-strings.js';

export interface DeliveredRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly deliveryCount: number;
  readonly timestamp: number;
  /** `offset` and `timestamp` as the message's decimal strings. */
  readonly offsetString: string;
  readonly timestampString: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: HeaderPairs;
}

const NO_HEADERS: HeaderPairs = [];

/**
 * Made with `new`, not as a literal: V8 may decide, after a young-generation collection that finds most of
 * a literal's objects alive, to allocate that literal's objects in the old generation from then on (each
 * then costs a full collection's work); objects made by a constructor are always allocated young.
 */
class Delivered implements DeliveredRecord {
  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly offset: number,
    readonly deliveryCount: number,
    readonly timestamp: number,
    readonly offsetString: string,
    readonly timestampString: string,
    readonly key: Buffer | null,
    readonly value: Buffer | null,
    readonly headers: HeaderPairs,
  ) {}
}

/** Calls `deliver` for each record of the slices, in order. Throws RecordFormatError on bytes that are not records. */
export function deliverSlices(slices: readonly ShareFetchedSlice[], deliver: (record: DeliveredRecord) => void): void {
  const offsets = new OffsetStrings();
  const timestamps = new TimestampStrings();
  for (const slice of slices) {
    const reader = new RecordReader(slice.records, slice.recordCount);
    while (reader.next()) {
      const offset = slice.baseOffset + reader.offsetDelta;
      const timestamp = slice.appendTimestamp ?? slice.baseTimestamp + reader.timestampDelta;
      deliver(
        new Delivered(
          slice.topic,
          slice.partition,
          offset,
          slice.deliveryCount,
          timestamp,
          offsets.of(offset),
          timestamps.of(timestamp),
          reader.key,
          reader.value,
          reader.headers ?? NO_HEADERS,
        ),
      );
    }
  }
}

/** The same for the decoded entries of ShareFetch v0-2 (a broker of an older version). */
export function deliverEntries(
  records: readonly ShareFetchedRecord[],
  deliver: (record: DeliveredRecord) => void,
): void {
  for (const r of records) {
    deliver(
      new Delivered(
        r.topic,
        r.partition,
        r.offset,
        r.deliveryCount,
        r.timestamp,
        String(r.offset),
        String(r.timestamp),
        bufferOf(r.key),
        bufferOf(r.value),
        r.headers.map((h) => [h.key, bufferOf(h.value)] as const),
      ),
    );
  }
}

/** A Buffer over the same memory (no copy): the decoded response frame is this answer's own. */
function bufferOf(bytes: Uint8Array | null): Buffer | null {
  return bytes === null ? null : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
