// Shared tail readers of the WebSocket gateway: one reader per topic-partition for every socket subscribed
// without a group that is at (or past) the place it reads next, so a thousand sockets on one partition cost
// one log read and one JSON encoding per record, fanned out as the same frame to each socket.
//
// Invariants (all kept synchronously, between awaits):
//   - A tail's `position` is the next offset it reads; it only moves forward, to the end of a window it
//     has just delivered. A member's `position` is the next offset that socket needs; members are at or
//     past the tail's position, and a member ahead of it is sent only records at or past its own position.
//   - A tail never waits for a socket. A member found over its buffered-bytes limit is dropped from the
//     tail (leftBehind) at the first record it could not take; it goes on reading on its own (feed.ts)
//     and joins again once it has caught up.
//   - A tail runs one read loop while it has members; the loop ends when the last member leaves, and the
//     tail is forgotten then, so a partition nobody watches costs nothing.
import type { ConsumedRecord, HttpCore } from '../core.js';
import { CoreError } from '../core.js';
import { decodeHeaders, decodeValue } from '../routes/values.js';

/** Bounds of one read of a tail or a lone reader: records and bytes of batches. */
export const READ_LIMITS = { maxRecords: 500, maxBytes: 1024 * 1024 } as const;

/** A socket's subscription to one partition, as a tail sees it. */
export interface TailMember {
  readonly topic: string;
  readonly partition: number;
  /** The next offset this member needs; the tail moves it as it delivers. */
  position: number;
  readonly format: RecordFormat;
  /** Whether the socket is under its buffered-bytes limit. */
  canTake(): boolean;
  send(frame: Buffer, format: RecordFormat): void;
  /** The tail stopped feeding it (over its limit): it reads on its own from `position`. */
  leftBehind(): void;
  /** The partition cannot be read any more (deleted, …): the tail has dropped it. */
  failed(error: Error): void;
}

/** Counters the gateway's metrics read. */
export interface FanoutStats {
  /** Log reads by shared tails. */
  sharedReads: number;
  /** Log reads by sockets reading on their own (catching up, or left behind). */
  ownReads: number;
  /** Record frames sent to sockets. */
  recordsSent: number;
  /** Times a tail dropped a socket over its limit. */
  leftBehind: number;
  /** Sockets closed for staying over their limit (code 4008). */
  closedStuck: number;
}

export function newFanoutStats(): FanoutStats {
  return { sharedReads: 0, ownReads: 0, recordsSent: 0, leftBehind: 0, closedStuck: 0 };
}

/** How a subscription wants its records: JSON text frames, or binary frames carrying the value's bytes as they are. */
export type RecordFormat = 'json' | 'binary';

/**
 * One record as a frame of the gateway, encoded once for every socket of a format.
 *   json    a text frame: { type: 'record', topic, partition, offset, timestamp, key, value, headers } with
 *           key and value as REST reads show them (auto: JSON, text or base64) and header values in base64.
 *   binary  a binary frame: u32 (big-endian) byte length of a UTF-8 JSON header, the header (the same fields
 *           but `value`, plus `value_size`: the value's byte length, -1 for a null value), then the value's
 *           bytes exactly as stored.
 */
export function recordFrame(
  topic: string,
  partition: number,
  record: ConsumedRecord,
  format: RecordFormat,
  /** Fields of a share-group delivery (delivery_attempt), after the record's own. */
  delivery?: { delivery_attempt: number },
): Buffer {
  const fields = {
    type: 'record',
    topic,
    partition,
    offset: record.offset,
    timestamp: record.timestamp,
    ...delivery,
    key: decodeValue(record.key, 'auto'),
  };
  if (format === 'json')
    return Buffer.from(
      JSON.stringify({ ...fields, value: decodeValue(record.value, 'auto'), headers: decodeHeaders(record.headers) }),
    );
  const value = record.value;
  const header = Buffer.from(
    JSON.stringify({
      ...fields,
      value_size: value === null ? -1 : value.length,
      headers: decodeHeaders(record.headers),
    }),
  );
  const frame = Buffer.allocUnsafe(4 + header.length + (value?.length ?? 0));
  frame.writeUInt32BE(header.length, 0);
  header.copy(frame, 4);
  value?.copy(frame, 4 + header.length);
  return frame;
}

class PartitionTail {
  readonly #core: HttpCore;
  readonly #stats: FanoutStats;
  readonly #topic: string;
  readonly #partition: number;
  readonly #members = new Set<TailMember>();
  readonly #ended: () => void;
  #position = 0;
  #running = false;
  /** Aborted when the last member leaves, to end a wait for records. */
  #idle: AbortController | undefined;

  constructor(core: HttpCore, stats: FanoutStats, topic: string, partition: number, ended: () => void) {
    this.#core = core;
    this.#stats = stats;
    this.#topic = topic;
    this.#partition = partition;
    this.#ended = ended;
  }

  get members(): number {
    return this.#members.size;
  }

  join(member: TailMember): boolean {
    if (!this.#running) this.#position = member.position;
    else if (member.position < this.#position) return false;
    this.#members.add(member);
    if (!this.#running) void this.#run();
    return true;
  }

  leave(member: TailMember): void {
    if (!this.#members.delete(member)) return;
    if (this.#members.size === 0) this.#idle?.abort();
  }

  async #run(): Promise<void> {
    this.#running = true;
    try {
      while (this.#members.size > 0 && !this.#core.stopping) {
        let window: Awaited<ReturnType<HttpCore['read']>>;
        try {
          window = await this.#core.read(this.#topic, this.#partition, this.#position, READ_LIMITS);
        } catch (error) {
          if (error instanceof CoreError && error.errorName === 'OFFSET_OUT_OF_RANGE') {
            // Retention removed what the tail was to read next: every member starts again at the log start.
            const start = this.#core.partition(this.#topic, this.#partition).logStartOffset;
            for (const member of this.#members) member.position = Math.max(member.position, start);
            this.#position = start;
            continue;
          }
          for (const member of [...this.#members]) {
            this.#members.delete(member);
            member.failed(error as Error);
          }
          return;
        }
        this.#stats.sharedReads++;
        if (window.records.length === 0) {
          this.#idle = new AbortController();
          await this.#core.waitForRecords(this.#topic, this.#partition, this.#position, this.#idle.signal);
          continue;
        }
        // Each record is encoded once per format some member wants, whatever the number of members.
        const frames: Partial<Record<RecordFormat, Buffer[]>> = {};
        const framesOf = (format: RecordFormat) =>
          (frames[format] ??= window.records.map((r) => recordFrame(this.#topic, this.#partition, r, format)));
        for (const member of [...this.#members])
          this.#feed(member, window.records, framesOf(member.format), window.nextOffset);
        this.#position = window.nextOffset;
      }
    } finally {
      this.#running = false;
      this.#idle = undefined;
      if (this.#members.size === 0) this.#ended();
    }
  }

  #feed(member: TailMember, records: ConsumedRecord[], frames: Buffer[], nextOffset: number): void {
    for (let i = 0; i < records.length; i++) {
      const offset = records[i]!.offset;
      if (offset < member.position) continue;
      if (!member.canTake()) {
        this.#members.delete(member);
        this.#stats.leftBehind++;
        member.leftBehind();
        return;
      }
      member.send(frames[i]!, member.format);
      this.#stats.recordsSent++;
      member.position = offset + 1;
    }
    member.position = Math.max(member.position, nextOffset);
  }
}

/** The gateway's shared tails, one per topic-partition that has members. */
export class PartitionTails {
  readonly #core: HttpCore;
  readonly stats: FanoutStats;
  readonly #tails = new Map<string, PartitionTail>();

  constructor(core: HttpCore, stats: FanoutStats = newFanoutStats()) {
    this.#core = core;
    this.stats = stats;
  }

  /** Tails reading now (topic-partitions with members). */
  get size(): number {
    return this.#tails.size;
  }

  /**
   * Makes `member` a member of its partition's tail when it is at or past where the tail reads next (or
   * the tail is not reading); false when it is behind and must catch up on its own first.
   */
  join(member: TailMember): boolean {
    const key = `${member.topic}\u0000${member.partition}`;
    let tail = this.#tails.get(key);
    if (!tail) {
      const created = new PartitionTail(this.#core, this.stats, member.topic, member.partition, () => {
        if (this.#tails.get(key) === created && created.members === 0) this.#tails.delete(key);
      });
      tail = created;
      this.#tails.set(key, tail);
    }
    return tail.join(member);
  }

  leave(member: TailMember): void {
    this.#tails.get(`${member.topic}\u0000${member.partition}`)?.leave(member);
  }
}
