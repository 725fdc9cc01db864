// The state of one share-partition: one share group reading one partition of a topic as a queue. This
// class is the one owner of the records' states and keeps these invariants:
//
//   - every offset below `startOffset` is settled (acked or dead-lettered) and forgotten, or parked;
//   - a parked record is one whose retry or delivery time the start offset passed while it waited: it
//     leaves the window (so a long delay never holds up the records behind it) and stays in `#parked`,
//     at most `parkedRecords` of them, until it is settled;
//   - an in-flight record is in exactly one state of TRANSITIONS, and is held by at most one member
//     (only `acquired` has a member);
//   - a record's delivery count never goes backwards, except that an explicit release gives back the
//     delivery it ends (the member did not try it);
//   - a record is settled at most once, and `settled` is final.
//
// It does no I/O and reads no clock: callers pass `now`. Records come in from the log through `load()`;
// every change a restart must not forget is queued for the owner to persist (`takeChanges()`), and
// records that must go to the dead-letter topic wait in `deadLettering` until the owner has written
// them there (`deadLettered()`), so a crash in between duplicates a dead letter but never loses one.
//
// Delivery order: among available records, the highest priority first, then the lowest offset (parked
// records first); records are only considered within the window (at most `windowRecords` records past the
// start offset), which bounds both memory and how far a high priority can overtake.
import type { HeaderPairs } from '../../records/index.js';
import { ShareError } from './errors.js';
import {
  IllegalRecordTransitionError,
  type PersistedRecordState,
  type RecordState,
  TRANSITIONS,
} from './record-state.js';
import { ChangeRuns } from './change-runs.js';
import { backoffDelay, type RetryPolicy } from './retry-policy.js';
import { WindowQueue } from './window-queue.js';

/** TRANSITIONS as a lookup table: ALLOWED[from][to] (no array scan per move). */
const ALLOWED = Object.fromEntries(
  Object.entries(TRANSITIONS).map(([from, tos]) => [from, Object.fromEntries(tos.map((to) => [to, true]))]),
) as Readonly<Record<RecordState, Readonly<Partial<Record<RecordState, true>>>>>;

/** A record as the log holds it, with what the share path reads from its headers. */
export interface ShareRecord {
  readonly offset: number;
  readonly timestamp: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: HeaderPairs;
  /** sluice-priority (0–9). */
  readonly priority: number;
  /** sluice-deliver-at (ms since the epoch), or 0. */
  readonly deliverAt: number;
  /** The record's bytes as they lie in its batch: `batch.section` from `start` to `end` (ShareFetch v3). */
  readonly batch: ShareBatch;
  readonly start: number;
  readonly end: number;
}

/** One record batch of the log, as the records read from it share it. */
export interface ShareBatch {
  /** The batch's records section (decompressed when the batch is compressed): records back to back. */
  readonly section: Buffer;
  readonly baseOffset: number;
  readonly baseTimestamp: number;
  /** LogAppendTime batches: the timestamp of every record (the batch's maxTimestamp); else null. */
  readonly appendTimestamp: number | null;
}

export interface StateChanges {
  /** Record states, in the order they changed. */
  readonly runs: ChangeRuns;
  /** Set when the start offset moved. */
  readonly startOffset?: number;
}

export interface AcquiredRecord {
  readonly record: ShareRecord;
  readonly deliveryCount: number;
  readonly lockExpiresAt: number;
}

export interface DeadLetter {
  readonly record: ShareRecord;
  readonly deliveryCount: number;
  readonly error: string;
}

export type AckType = 'ack' | 'release' | 'reject' | 'fail' | 'renew';

interface InFlight {
  readonly record: ShareRecord;
  state: RecordState;
  deliveryCount: number;
  member: string | null;
  /** acquired: lock expiry; waiting: when due; else 0. */
  deadline: number;
  error: string | null;
}

export interface SharePartitionOptions {
  readonly startOffset: number;
  readonly retry: RetryPolicy;
  readonly windowRecords: number;
  /** At most this many waiting records are parked below the start offset (then they hold it, as others do). */
  readonly parkedRecords?: number;
  /** Uniform in [0, 1): backoff jitter. */
  readonly random?: () => number;
  /** States remembered from before a restart, by offset (below startOffset: parked records, read with `loadParked`). */
  readonly restored?: ReadonlyMap<number, PersistedRecordState>;
}

export interface SharePartitionSummary {
  startOffset: number;
  loadedEnd: number;
  available: number;
  acquired: number;
  waiting: number;
  deadLettering: number;
  /** delivery count → records in flight with it. */
  deliveryCounts: Record<number, number>;
  /** Timestamp of the oldest unsettled record loaded, or null. */
  oldestTimestamp: number | null;
}

export class SharePartition {
  #startOffset: number;
  /** Next offset to load from the log. */
  #loadedEnd: number;
  #retry: RetryPolicy;
  readonly #windowRecords: number;
  readonly #random: () => number;
  /** Unsettled records (and settled ones not yet passed by the start offset), in offset order. */
  readonly #inFlight = new WindowQueue<InFlight>();
  readonly #restored: Map<number, PersistedRecordState>;
  /** Records below the start offset that are not settled (see the invariants above), in offset order. */
  readonly #parked = new Map<number, InFlight>();
  readonly #parkedRecords: number;
  /** Parked records remembered from before a restart, not read back from the log yet. */
  readonly #parkedToLoad = new Map<number, PersistedRecordState>();
  #changes = new ChangeRuns();
  #startMoved = false;
  /**
   * No acquired or waiting record has a deadline before this (Infinity when none). A lower bound, not the
   * exact minimum: settling or renewing a record leaves it as it was (so no request scans the window), and
   * `tick` makes it exact again when it is reached.
   */
  #nextDeadline = Number.POSITIVE_INFINITY;
  #available = 0;
  /** Available records by priority (0–9): an acquisition looks only at the levels that have some. */
  readonly #availableByPriority: number[] = new Array(10).fill(0);
  /** Records in `deadLettering` (so a settlement does not scan the window for dead letters when none). */
  #deadLettering = 0;
  /** member → records it holds here. */
  readonly #held = new Map<string, number>();

  constructor(options: SharePartitionOptions) {
    this.#startOffset = options.startOffset;
    this.#loadedEnd = options.startOffset;
    this.#retry = options.retry;
    this.#windowRecords = options.windowRecords;
    this.#random = options.random ?? Math.random;
    this.#parkedRecords = options.parkedRecords ?? 10 * options.windowRecords;
    this.#restored = new Map();
    for (const [offset, state] of options.restored ?? []) {
      if (offset >= options.startOffset) this.#restored.set(offset, state);
      else if (state.state !== 'settled') this.#parkedToLoad.set(offset, state);
    }
  }

  /** Offsets of parked records a restart remembered and the owner has to read back (`loadParked`). */
  get parkedToLoad(): number[] {
    return [...this.#parkedToLoad.keys()];
  }

  /**
   * Takes parked records read back from the log after a restart; `gone` are offsets the log no longer has
   * (retention passed them): they are forgotten.
   */
  loadParked(records: readonly ShareRecord[], gone: readonly number[], now: number): void {
    for (const offset of gone) this.#parkedToLoad.delete(offset);
    for (const record of records) {
      const restored = this.#parkedToLoad.get(record.offset);
      if (!restored) continue;
      this.#parkedToLoad.delete(record.offset);
      const entry = this.#restoredEntry(record, restored, now);
      this.#parked.set(record.offset, entry);
    }
    this.#sortParked();
  }

  get startOffset(): number {
    return this.#startOffset;
  }

  /** The next offset `load()` expects. */
  get loadedEnd(): number {
    return this.#loadedEnd;
  }

  get retry(): RetryPolicy {
    return this.#retry;
  }

  set retry(policy: RetryPolicy) {
    this.#retry = policy;
  }

  /** How many more records the window takes. */
  get room(): number {
    return Math.max(0, this.#windowRecords - this.#inFlight.size);
  }

  /** Available records (after `tick`). */
  get availableCount(): number {
    return this.#available;
  }

  /**
   * No lock expires and no waiting record becomes due before this (Infinity: nothing pending). It may be
   * earlier than the next real deadline: a `tick` at it then finds nothing due and moves it on.
   */
  get nextDeadline(): number {
    return this.#nextDeadline;
  }

  /**
   * Takes records read from the log, in offset order starting at or after `loadedEnd`; `nextOffset` is
   * where the next read starts (past gaps and records this call was given). Records the window has no
   * room for are not taken: `load` returns how many it took, and `loadedEnd` stops after the last one.
   */
  load(records: readonly ShareRecord[], nextOffset: number, now: number): number {
    let taken = 0;
    for (const record of records) {
      if (record.offset < this.#loadedEnd) continue;
      if (this.#inFlight.size >= this.#windowRecords) {
        this.#loadedEnd = record.offset;
        this.#advanceStart();
        return taken;
      }
      taken++;
      this.#loadedEnd = record.offset + 1;
      this.#admit(record, now);
    }
    if (nextOffset > this.#loadedEnd) this.#loadedEnd = nextOffset;
    this.#advanceStart();
    return taken;
  }

  /** Skips to `offset` (the log's start moved past records never delivered: retention, DeleteRecords). */
  skipTo(offset: number): void {
    for (const [o, entry] of this.#parked) {
      if (o >= offset) break;
      this.#leave(entry);
      this.#parked.delete(o);
    }
    for (const o of this.#parkedToLoad.keys()) if (o < offset) this.#parkedToLoad.delete(o);
    if (offset <= this.#startOffset) return;
    for (let entry = this.#inFlight.first(); entry && entry.record.offset < offset; entry = this.#inFlight.first()) {
      this.#leave(entry);
      this.#inFlight.shift();
    }
    this.#startOffset = offset;
    if (this.#loadedEnd < offset) this.#loadedEnd = offset;
    this.#startMoved = true;
    this.#advanceStart();
  }

  /** Expires locks and makes waiting records due at `now` available. */
  tick(now: number): void {
    if (now < this.#nextDeadline) return;
    let next = Number.POSITIVE_INFINITY;
    for (const entries of [this.#parked, this.#inFlight]) {
      for (const entry of entries.values()) {
        if (entry.state === 'acquired' && entry.deadline <= now) this.#lockLost(entry, 'its lock expired');
        else if (entry.state === 'waiting' && entry.deadline <= now) this.#move(entry, 'available');
        if ((entry.state === 'acquired' || entry.state === 'waiting') && entry.deadline < next) next = entry.deadline;
      }
    }
    this.#nextDeadline = next;
  }

  /**
   * Acquires up to `max` available records for `member`, highest priority first then lowest offset, each
   * under a lock until `now + lockMs`; every acquisition adds one to the record's delivery count.
   */
  acquire(member: string, max: number, now: number, lockMs: number): AcquiredRecord[] {
    this.tick(now);
    if (max <= 0 || this.#available === 0) return [];
    const chosen = this.#pickAvailable(max);
    const lockExpiresAt = now + lockMs;
    const acquired: AcquiredRecord[] = [];
    // Every chosen entry is available (available → acquired is always allowed): counted here, not by #move.
    for (const entry of chosen) {
      this.#available--;
      this.#availableByPriority[entry.record.priority]!--;
      entry.state = 'acquired';
      entry.member = member;
      entry.deadline = lockExpiresAt;
      entry.deliveryCount++;
      this.#record(entry);
      acquired.push({ record: entry.record, deliveryCount: entry.deliveryCount, lockExpiresAt });
    }
    if (chosen.length > 0) this.#changeHeld(member, chosen.length);
    if (lockExpiresAt < this.#nextDeadline) this.#nextDeadline = lockExpiresAt;
    return acquired;
  }

  /**
   * Settles an acquired record as its member says. Throws ShareError 'not-held' when `member` does not
   * hold the record under an unexpired lock. `renew` extends the lock to `now + lockMs`.
   */
  acknowledge(member: string, offset: number, type: AckType, now: number, options: AckOptions = {}): void {
    this.tick(now);
    const entry = this.#inFlight.get(offset) ?? this.#parked.get(offset);
    if (entry?.state !== 'acquired' || entry.member !== member) {
      throw new ShareError('not-held', this.#notHeldMessage(member, offset, entry));
    }
    switch (type) {
      case 'ack':
        this.#settle(entry);
        return;
      case 'release':
        this.#move(entry, 'available');
        entry.deliveryCount--;
        this.#record(entry);
        return;
      case 'reject':
        entry.error = options.error ?? 'rejected';
        this.#move(entry, 'deadLettering');
        this.#record(entry);
        return;
      case 'fail':
        entry.error = options.error ?? 'failed';
        if (entry.deliveryCount >= this.#retry.maxAttempts) {
          this.#move(entry, 'deadLettering');
        } else {
          this.#move(entry, 'waiting');
          entry.deadline = now + backoffDelay(this.#retry.backoff, entry.deliveryCount, this.#random);
          if (entry.deadline < this.#nextDeadline) this.#nextDeadline = entry.deadline;
        }
        this.#record(entry);
        if (offset === this.#startOffset) this.#advanceStart();
        return;
      case 'renew':
        entry.deadline = now + (options.lockMs ?? 0);
        if (entry.deadline < this.#nextDeadline) this.#nextDeadline = entry.deadline;
        return;
    }
  }

  /**
   * `acknowledge` for each offset of `first`..`last` (inclusive), in one pass when the type is `ack`: an
   * offset `member` does not hold is left as it is and given to `refused` with its error. Returns how many
   * offsets took the outcome.
   */
  acknowledgeRange(
    member: string,
    first: number,
    last: number,
    type: AckType,
    now: number,
    options: AckOptions,
    refused: (offset: number, error: ShareError) => void,
  ): number {
    let taken = 0;
    if (type !== 'ack') {
      for (let offset = first; offset <= last; offset++) {
        try {
          this.acknowledge(member, offset, type, now, options);
          taken++;
        } catch (error) {
          if (!(error instanceof ShareError)) throw error;
          refused(offset, error);
        }
      }
      return taken;
    }
    this.tick(now);
    // The start offset moves once, after the range: only the record at it can move it (as in #settle).
    const start = this.#startOffset;
    let startSettled = false;
    for (let offset = first; offset <= last; offset++) {
      const entry = this.#inFlight.get(offset) ?? (this.#parked.size > 0 ? this.#parked.get(offset) : undefined);
      if (entry?.state !== 'acquired' || entry.member !== member) {
        refused(offset, new ShareError('not-held', this.#notHeldMessage(member, offset, entry)));
        continue;
      }
      // acquired → settled, as #move does it; `member` gives up its hold once, after the range.
      entry.state = 'settled';
      entry.member = null;
      entry.deadline = 0;
      taken++;
      this.#record(entry);
      if (this.#parked.size > 0 && this.#parked.delete(offset)) continue;
      if (offset === start) startSettled = true;
    }
    if (taken > 0) this.#changeHeld(member, -taken);
    if (startSettled) this.#advanceStart();
    return taken;
  }

  /** Every record `member` holds loses its lock now (the member left or its session expired). */
  releaseMember(member: string): void {
    for (const entries of [this.#parked, this.#inFlight])
      for (const entry of entries.values())
        if (entry.state === 'acquired' && entry.member === member) this.#lockLost(entry, 'its consumer left the group');
  }

  /** How many records `member` holds here. */
  heldCount(member: string): number {
    return this.#held.get(member) ?? 0;
  }

  /** Offsets `member` holds in this partition. */
  heldBy(member: string): number[] {
    const held: number[] = [];
    for (const entries of [this.#parked, this.#inFlight])
      for (const entry of entries.values())
        if (entry.state === 'acquired' && entry.member === member) held.push(entry.record.offset);
    return held;
  }

  /** Records waiting to be written to the dead-letter topic. */
  pendingDeadLetters(): DeadLetter[] {
    const pending: DeadLetter[] = [];
    if (this.#deadLettering === 0) return pending;
    for (const entries of [this.#parked, this.#inFlight])
      for (const entry of entries.values())
        if (entry.state === 'deadLettering')
          pending.push({
            record: entry.record,
            deliveryCount: entry.deliveryCount,
            error: entry.error ?? 'dead-lettered',
          });
    return pending;
  }

  /** The owner wrote this record to the dead-letter topic: it is settled. */
  deadLettered(offset: number): void {
    const entry = this.#inFlight.get(offset) ?? this.#parked.get(offset);
    if (entry?.state !== 'deadLettering')
      throw new IllegalRecordTransitionError(`record ${offset} is not waiting to be dead-lettered`);
    this.#settle(entry);
  }

  /**
   * Everything a restart must remember of this share-partition now (its start offset, and every record
   * past it that is not simply available on its first delivery), for a snapshot of the state topic.
   */
  snapshot(): PersistedRecordState[] {
    const states: PersistedRecordState[] = [...this.#parkedToLoad.values(), ...this.#restored.values()];
    for (const entries of [this.#parked, this.#inFlight]) {
      for (const entry of entries.values()) {
        if (entry.state === 'available' && entry.deliveryCount === 0 && entry.error === null) continue;
        states.push({
          offset: entry.record.offset,
          deliveryCount: entry.deliveryCount,
          state: entry.state,
          until: entry.state === 'waiting' ? entry.deadline : 0,
          error: entry.error,
        });
      }
    }
    return states;
  }

  /** State changes since the last call, in the order they happened (the owner persists them). */
  takeChanges(): StateChanges {
    const runs = this.#changes;
    this.#changes = new ChangeRuns();
    if (!this.#startMoved) return { runs };
    this.#startMoved = false;
    return { runs, startOffset: this.#startOffset };
  }

  /**
   * Counts by state. Records from `loadedEnd` up to `logEndOffset` are not in the window yet: they count
   * by what a restart remembered of them (settled ones not at all, waiting ones as waiting until their
   * time), and as available when nothing was remembered.
   */
  summary(logEndOffset = this.#loadedEnd, now = 0): SharePartitionSummary {
    const summary: SharePartitionSummary = {
      startOffset: this.#startOffset,
      loadedEnd: this.#loadedEnd,
      available: 0,
      acquired: 0,
      waiting: 0,
      deadLettering: 0,
      deliveryCounts: {},
      oldestTimestamp: null,
    };
    for (const entry of [...this.#parked.values(), ...this.#inFlight.values()]) {
      if (entry.state === 'settled') continue;
      summary[entry.state]++;
      summary.deliveryCounts[entry.deliveryCount] = (summary.deliveryCounts[entry.deliveryCount] ?? 0) + 1;
      if (summary.oldestTimestamp === null || entry.record.timestamp < summary.oldestTimestamp)
        summary.oldestTimestamp = entry.record.timestamp;
    }
    let unloaded = Math.max(0, logEndOffset - this.#loadedEnd);
    for (const restored of this.#restored.values()) {
      if (restored.offset < this.#loadedEnd || restored.offset >= logEndOffset) continue;
      unloaded--;
      if (restored.state === 'settled') continue;
      const lastAttemptCutOff = restored.state === 'acquired' && restored.deliveryCount >= this.#retry.maxAttempts;
      if (restored.state === 'deadLettering' || lastAttemptCutOff) summary.deadLettering++;
      else if (restored.state === 'waiting' && restored.until > now) summary.waiting++;
      else summary.available++;
      summary.deliveryCounts[restored.deliveryCount] = (summary.deliveryCounts[restored.deliveryCount] ?? 0) + 1;
    }
    if (unloaded > 0) {
      summary.available += unloaded;
      summary.deliveryCounts[0] = (summary.deliveryCounts[0] ?? 0) + unloaded;
    }
    return summary;
  }

  /** The state of one loaded record (tests and describe), or undefined when not in the window. */
  stateOf(offset: number): { state: RecordState; deliveryCount: number; member: string | null } | undefined {
    const entry = this.#inFlight.get(offset) ?? this.#parked.get(offset);
    if (!entry) return offset < this.#startOffset ? { state: 'settled', deliveryCount: 0, member: null } : undefined;
    return { state: entry.state, deliveryCount: entry.deliveryCount, member: entry.member };
  }

  #admit(record: ShareRecord, now: number): void {
    const restored = this.#restored.size === 0 ? undefined : this.#restored.get(record.offset);
    if (restored) this.#restored.delete(record.offset);
    this.#inFlight.push(this.#restoredEntry(record, restored, now));
  }

  /** A record entering the window or the parked set, in the state a restart remembered (or new). */
  #restoredEntry(record: ShareRecord, restored: PersistedRecordState | undefined, now: number): InFlight {
    if (restored?.state === 'settled') {
      return {
        record,
        state: 'settled',
        deliveryCount: restored.deliveryCount,
        member: null,
        deadline: 0,
        error: null,
      };
    }
    const entry: InFlight = {
      record,
      state: 'available',
      deliveryCount: restored?.deliveryCount ?? 0,
      member: null,
      deadline: 0,
      error: restored?.error ?? null,
    };
    if (restored?.state === 'deadLettering') {
      entry.state = 'deadLettering';
      this.#deadLettering++;
    } else if (restored?.state === 'acquired' && entry.deliveryCount >= this.#retry.maxAttempts) {
      // Its last delivery was in flight when the broker stopped: that attempt is spent.
      entry.state = 'deadLettering';
      this.#deadLettering++;
      entry.error = 'the broker restarted during its last delivery attempt';
      this.#record(entry);
    } else {
      const until = Math.max(restored?.state === 'waiting' ? restored.until : 0, record.deliverAt);
      if (until > now) {
        entry.state = 'waiting';
        entry.deadline = until;
        if (until < this.#nextDeadline) this.#nextDeadline = until;
      } else {
        this.#available++;
        this.#availableByPriority[record.priority]!++;
      }
    }
    return entry;
  }

  #lockLost(entry: InFlight, why: string): void {
    if (entry.deliveryCount >= this.#retry.maxAttempts) {
      entry.error = `${why} on its last delivery attempt`;
      this.#move(entry, 'deadLettering');
    } else {
      this.#move(entry, 'available');
    }
    this.#record(entry);
  }

  #pickAvailable(max: number): InFlight[] {
    const chosen: InFlight[] = [];
    // One pass in offset order per priority level present, highest first; most windows hold one level.
    for (let priority = 9; priority >= 0 && chosen.length < max; priority--) {
      if (this.#availableByPriority[priority] === 0) continue;
      for (const entry of this.#parked.values()) {
        if (entry.state !== 'available' || entry.record.priority !== priority) continue;
        chosen.push(entry);
        if (chosen.length === max) return chosen;
      }
      const window = this.#inFlight;
      for (let i = 0, entry = window.at(0); entry !== undefined; entry = window.at(++i)) {
        if (entry.state !== 'available' || entry.record.priority !== priority) continue;
        chosen.push(entry);
        if (chosen.length === max) return chosen;
      }
    }
    return chosen;
  }

  #move(entry: InFlight, to: RecordState): void {
    if (ALLOWED[entry.state][to] !== true)
      throw new IllegalRecordTransitionError(`record ${entry.record.offset}: ${entry.state} → ${to} is not allowed`);
    this.#count(entry, -1);
    if (entry.state === 'acquired' && entry.member !== null) this.#changeHeld(entry.member, -1);
    entry.state = to;
    this.#count(entry, 1);
    if (to !== 'acquired') entry.member = null;
    if (to !== 'acquired' && to !== 'waiting') entry.deadline = 0;
  }

  /** Keeps `#parked` in offset order after records read back were added out of order. */
  #sortParked(): void {
    const sorted = [...this.#parked].sort((a, b) => a[0] - b[0]);
    this.#parked.clear();
    for (const [offset, entry] of sorted) this.#parked.set(offset, entry);
  }

  /** Drops a record the log no longer has (skipTo). */
  #leave(entry: InFlight): void {
    this.#count(entry, -1);
    if (entry.state === 'acquired' && entry.member !== null) this.#changeHeld(entry.member, -1);
  }

  /** `member` holds `delta` more records (fewer when negative); a member holding none has no entry. */
  #changeHeld(member: string, delta: number): void {
    const held = (this.#held.get(member) ?? 0) + delta;
    if (held <= 0) this.#held.delete(member);
    else this.#held.set(member, held);
  }

  /** Keeps the counts of available (by priority) and dead-lettering records as `entry` enters (1) or leaves (-1) its state. */
  #count(entry: InFlight, delta: 1 | -1): void {
    if (entry.state === 'available') {
      this.#available += delta;
      this.#availableByPriority[entry.record.priority]! += delta;
    } else if (entry.state === 'deadLettering') {
      this.#deadLettering += delta;
    }
  }

  #record(entry: InFlight): void {
    this.#changes.add(
      entry.record.offset,
      entry.deliveryCount,
      entry.state,
      entry.state === 'waiting' ? entry.deadline : 0,
      entry.error,
    );
  }

  /** A record is done (acked, or written to the dead-letter topic). */
  #settle(entry: InFlight): void {
    this.#move(entry, 'settled');
    this.#record(entry);
    if (this.#parked.delete(entry.record.offset)) return;
    // Only the record at the start offset holds it: settling any other moves nothing.
    if (entry.record.offset === this.#startOffset) this.#advanceStart();
  }

  /** Moves the start offset past settled records, parking the waiting ones it meets while there is room. */
  #advanceStart(): void {
    let start = this.#loadedEnd;
    for (let entry = this.#inFlight.first(); entry !== undefined; entry = this.#inFlight.first()) {
      if (entry.state === 'waiting' && this.#parked.size < this.#parkedRecords) {
        this.#parked.set(entry.record.offset, entry);
      } else if (entry.state !== 'settled') {
        start = entry.record.offset;
        break;
      }
      this.#inFlight.shift();
    }
    if (start !== this.#startOffset) {
      this.#startOffset = start;
      this.#startMoved = true;
    }
  }

  #notHeldMessage(member: string, offset: number, entry: InFlight | undefined): string {
    if (!entry) {
      return offset < this.#startOffset
        ? `record ${offset} is already settled`
        : `record ${offset} was not delivered to this group`;
    }
    if (entry.state === 'acquired') return `record ${offset} is held by another member, not ${member}`;
    if (entry.state === 'settled' || entry.state === 'deadLettering') return `record ${offset} is already settled`;
    return `record ${offset} is not held by ${member}: its lock expired or it was given back`;
  }
}

export interface AckOptions {
  /** fail/reject: the error message (kept for the dead-letter headers). */
  readonly error?: string;
  /** renew: the new lock duration. */
  readonly lockMs?: number;
}
