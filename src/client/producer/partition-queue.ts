// One partition's batches on their way to the broker, and the idempotence sequencing over them. This class
// is the only owner of the partition's order invariants; the sender only decides when requests go out and
// reports their outcomes through the transitions below.
//
// Invariants:
//   - `batches` holds, in the order records were appended: the sent region (the first `sent` batches: in a
//     request, acknowledged out of order, or waiting to be resent), then the never-sent batches (Queued),
//     the open batch (still taking records) last. A batch leaves only from the head once acknowledged
//     (its sends learn their offsets in queue order), or when it fails for good.
//   - Sequenced batches (idempotent producer, acks ≠ 0) carry consecutive sequences of one producer id and
//     epoch; `nextSequence` is the end of the last one stamped. A sequence never has a gap: a batch failing
//     before it was sent hands its sequences to the batches behind it; a sent one failing for good breaks
//     the sequence, and the partition restarts at a new epoch from 0 once nothing of it is in flight.
//   - A request without sequences is the partition's only request in flight.
//   - Modes (QUEUE_TRANSITIONS): Sending (new batches go out, pipelined when sequenced); Retrying (sent
//     batches must be resent: one request at a time, in sequence order, once the later requests are back;
//     nothing new is sent); Restarting (the sequence broke: nothing is sent until the new epoch starts).
import { BatchState, type ProducerBatchEntry } from './batch.js';

export interface ProducerIdentity {
  producerId: number;
  epoch: number;
}

export enum QueueMode {
  Sending,
  Retrying,
  Restarting,
}

const QUEUE_TRANSITIONS: Readonly<Record<QueueMode, readonly QueueMode[]>> = {
  [QueueMode.Sending]: [QueueMode.Retrying, QueueMode.Restarting],
  [QueueMode.Retrying]: [QueueMode.Retrying, QueueMode.Sending, QueueMode.Restarting],
  [QueueMode.Restarting]: [QueueMode.Sending],
};

const SEQUENCE_SPAN = 0x8000_0000;
export const MAX_EPOCH = 0x7fff;
const NONE: readonly ProducerBatchEntry[] = [];

export class PartitionQueue {
  readonly #batches: ProducerBatchEntry[] = [];
  #open: ProducerBatchEntry | null = null;
  /** Length of the sent region at the head of `batches`. */
  #sent = 0;
  /** Produce requests in flight that carry batches of this partition. */
  #requests = 0;
  /** A request without sequences is in flight. */
  #plainInFlight = false;
  #mode = QueueMode.Sending;
  /** Idempotence: this partition's producer id and epoch (-1 until the first stamp), next sequence. */
  #producerId = -1;
  #epoch = -1;
  #nextSequence = 0;
  /** No request before this time (retry backoff). */
  #notBefore = 0;
  /** Size of the last batch sealed here: the next batch's first allocation (batches of a partition tend to repeat). */
  #lastBatchBytes = 0;

  /** An acknowledged batch left the queue: its buffer may be reused. */
  readonly #onCompleted: (batch: ProducerBatchEntry) => void;

  constructor(
    readonly topic: string,
    readonly partition: number,
    onCompleted: (batch: ProducerBatchEntry) => void = () => {},
  ) {
    this.#onCompleted = onCompleted;
  }

  get isEmpty(): boolean {
    return this.#batches.length === 0;
  }
  get open(): ProducerBatchEntry | null {
    return this.#open;
  }
  get mode(): QueueMode {
    return this.#mode;
  }
  get requests(): number {
    return this.#requests;
  }
  get epoch(): number {
    return this.#epoch;
  }
  get notBefore(): number {
    return this.#notBefore;
  }
  get lastBatchBytes(): number {
    return this.#lastBatchBytes;
  }
  /** Every batch, in queue order (for inspection; the queue alone changes it). */
  get batches(): readonly ProducerBatchEntry[] {
    return this.#batches;
  }
  /** The sequence broke and nothing of the partition is in flight: time for restartSequence(). */
  get needsRestart(): boolean {
    return this.#mode === QueueMode.Restarting && this.#requests === 0;
  }

  /** A new open batch at the end (the previous one must be sealed). */
  openBatch(batch: ProducerBatchEntry): void {
    if (this.#open !== null) throw new Error(`${this.#name}: a batch is already open`);
    if (batch.state !== BatchState.Queued) throw new Error(`${this.#name}: only a new batch can be opened`);
    this.#open = batch;
    this.#batches.push(batch);
  }

  /**
   * Closes the open batch and stamps the partition's next sequence on it (acks=0 batches and producers without
   * an identity get none: no answer, no retry to detect). Returns it, for building, or null when none is open.
   */
  seal(identity: ProducerIdentity | null): ProducerBatchEntry | null {
    const batch = this.#open;
    if (batch === null) return null;
    this.#open = null;
    this.#lastBatchBytes = batch.openBytes;
    if (batch.acks !== 0 && identity !== null) {
      if (this.#producerId < 0) {
        this.#producerId = identity.producerId;
        this.#epoch = identity.epoch;
      }
      this.#stampNext(batch);
    }
    return batch;
  }

  /**
   * Retrying: the first batch to resend, alone in its request, once no request of the partition is in flight
   * (the later ones come back first, refused for the gap). With none left the partition is Sending again.
   */
  nextRetry(): ProducerBatchEntry | null {
    if (this.#mode !== QueueMode.Retrying || this.#requests > 0) return null;
    for (let i = 0; i < this.#sent; i++) {
      const batch = this.#batches[i]!;
      if (batch.state === BatchState.Retry) return batch;
    }
    this.#enter(QueueMode.Sending);
    return null;
  }

  /** How many more requests may carry new batches of this partition now. */
  freeRequests(maxPerPartition: number): number {
    if (this.#mode !== QueueMode.Sending || this.#plainInFlight) return 0;
    return maxPerPartition - this.#requests;
  }

  /**
   * The never-sent batches that may go out now, in order: built, of the same acks and sequencing as the
   * first (empty when there is none). A batch that could not be built fails on the way, alone.
   */
  sendable(): readonly ProducerBatchEntry[] {
    if (this.#mode !== QueueMode.Sending || this.#plainInFlight) return NONE;
    const batches = this.#batches;
    for (;;) {
      const head = batches[this.#sent];
      if (head === undefined || head === this.#open) return NONE;
      if (head.buildError !== null) {
        this.#failUnsent(head, head.buildError);
        continue;
      }
      if (head.encoded === null) return NONE; // still compressing
      const sequenced = head.sequenced;
      if (!sequenced && this.#requests > 0) return NONE;
      let end = this.#sent + 1;
      while (end < batches.length) {
        const next = batches[end]!;
        if (next === this.#open || next.encoded === null || next.acks !== head.acks || next.sequenced !== sequenced)
          break;
        end++;
      }
      return batches.slice(this.#sent, end);
    }
  }

  /** A request carries `batches`: the next never-sent ones in order (from sendable()), or the batch nextRetry() gave. */
  commit(batches: readonly ProducerBatchEntry[]): void {
    const sequenced = batches[0]!.sequenced;
    if (!sequenced && this.#requests > 0) throw new Error(`${this.#name}: a request without sequences must be alone`);
    for (const batch of batches) {
      if (batch.state === BatchState.Retry) {
        if (this.#mode !== QueueMode.Retrying) throw new Error(`${this.#name}: resending outside retry mode`);
      } else {
        if (this.#mode !== QueueMode.Sending) throw new Error(`${this.#name}: sending new batches while not Sending`);
        if (batch !== this.#batches[this.#sent] || batch === this.#open)
          throw new Error(`${this.#name}: batches must be sent in queue order`);
        this.#sent++;
      }
      batch.sent();
    }
    this.#requests++;
    if (!sequenced) this.#plainInFlight = true;
  }

  /**
   * The request carrying `batches` was answered: stored from `baseOffset` on (-1: stored, offset unknown).
   * Batches that meanwhile failed or were requeued with a broken sequence are left as they are. Acknowledged
   * batches at the head go to their sends.
   */
  acknowledge(
    batches: readonly ProducerBatchEntry[],
    baseOffset: number,
    logAppendTime: number,
    logStartOffset: number,
  ): void {
    this.#requestDone();
    let offset = baseOffset;
    for (const batch of batches) {
      if (batch.state === BatchState.InFlight) batch.acknowledge(offset, logAppendTime, logStartOffset);
      if (offset >= 0) offset += batch.recordCount;
    }
    this.#completeHead();
  }

  /** The request carrying `batches` failed: returns those still waiting for its outcome (the others already failed or were requeued). */
  requestFailed(batches: readonly ProducerBatchEntry[]): ProducerBatchEntry[] {
    this.#requestDone();
    return batches.filter((b) => b.state === BatchState.InFlight);
  }

  /** Is `batch` the partition's oldest unacknowledged batch (outside retry mode)? */
  isOldestUnacknowledged(batch: ProducerBatchEntry): boolean {
    return this.#mode !== QueueMode.Retrying && this.#batches[0] === batch;
  }

  /** An earlier batch is not stored (yet): `batches` are resent after it, without spending an attempt. */
  resendAfterGap(batches: readonly ProducerBatchEntry[]): void {
    for (const batch of batches) batch.resendLater(false);
    this.#enter(QueueMode.Retrying);
  }

  /**
   * `batches` failed retriably (one attempt each) and are resent no earlier than `notBefore`: sequenced ones
   * with their sequences, in retry mode; without sequences, as never sent (they are the sent region).
   */
  retry(batches: readonly ProducerBatchEntry[], notBefore: number): void {
    this.#notBefore = Math.max(this.#notBefore, notBefore);
    if (batches[0]!.sequenced) {
      for (const batch of batches) batch.resendLater(true);
      this.#enter(QueueMode.Retrying);
      return;
    }
    if (batches.length !== this.#sent || batches.some((b, i) => this.#batches[i] !== b))
      throw new Error(`${this.#name}: only the sent region can go back among the never-sent batches`);
    for (const batch of batches) batch.requeue();
    this.#sent = 0;
  }

  /**
   * `batches` (sent, not acknowledged) failed for good: their sends reject with `error`. Sequenced: the broker
   * will refuse everything after their sequence, so every sent, unacknowledged batch of the partition fails
   * with them (its outcome is unknown) and the partition restarts at a new epoch once its requests are back.
   */
  fail(batches: readonly ProducerBatchEntry[], error: Error): void {
    if (batches[0]!.sequenced) {
      for (let i = this.#sent - 1; i >= 0; i--) {
        const batch = this.#batches[i]!;
        if (batch.state === BatchState.InFlight || batch.state === BatchState.Retry) this.#removeSent(i, error);
      }
      this.#enter(QueueMode.Restarting);
    } else {
      for (const batch of batches) this.#removeSent(this.#batches.indexOf(batch), error);
    }
    this.#completeHead();
  }

  /**
   * The broker forgot this producer (UNKNOWN_PRODUCER_ID for the oldest unacknowledged batch): nothing since
   * the last acknowledgement is stored. Every sent batch goes back among the never-sent ones (an attempt
   * each) and the partition restarts, so the new epoch restamps and resends them in order. Changes nothing
   * and returns false when one of them is acknowledged (then they cannot all be unstored).
   */
  requeueForNewEpoch(): boolean {
    for (let i = 0; i < this.#sent; i++) if (this.#batches[i]!.state === BatchState.Acked) return false;
    for (let i = 0; i < this.#sent; i++) this.#batches[i]!.requeue();
    this.#sent = 0;
    this.#enter(QueueMode.Restarting);
    return true;
  }

  /**
   * Starts the new epoch once the sequence broke and nothing is in flight (needsRestart): epoch+1 at sequence
   * 0, or `fresh`, a new producer id, when epochs are used up. The never-sent batches are restamped in order.
   */
  restartSequence(fresh: ProducerIdentity | null): void {
    if (!this.needsRestart) throw new Error(`${this.#name}: restart needs a broken sequence and no request in flight`);
    if (this.#sent !== 0) throw new Error(`${this.#name}: sent batches left at a restart`);
    if (fresh) {
      this.#producerId = fresh.producerId;
      this.#epoch = fresh.epoch;
    } else {
      this.#epoch++;
    }
    this.#nextSequence = 0;
    for (const batch of this.#batches) if (batch !== this.#open && batch.sequenced) this.#stampNext(batch);
    this.#enter(QueueMode.Sending);
  }

  /**
   * Transactional producers never move to a new epoch on their own (the coordinator owns the epoch): when
   * the sequence broke (needsRestart), every batch left fails with `error` — the transaction must be
   * aborted — and the queue forgets its identity, so its next batch takes the producer's at seal.
   */
  abandon(error: Error): void {
    if (!this.needsRestart) throw new Error(`${this.#name}: abandon needs a broken sequence and no request in flight`);
    if (this.#sent !== 0) throw new Error(`${this.#name}: sent batches left when abandoning`);
    const batches = this.#batches.splice(0);
    this.#open = null;
    for (const batch of batches) batch.fail(error);
    this.#forgetIdentity();
    this.#enter(QueueMode.Sending);
  }

  /** A new producer id or epoch (a transactional producer re-initialised): the empty queue restarts at sequence 0. */
  resetIdentity(): void {
    if (this.#batches.length > 0) throw new Error(`${this.#name}: only an empty queue can take a new identity`);
    this.#forgetIdentity();
  }

  #forgetIdentity(): void {
    this.#producerId = -1;
    this.#epoch = -1;
    this.#nextSequence = 0;
  }

  get #name(): string {
    return `producer queue ${this.topic}-${this.partition}`;
  }

  #enter(next: QueueMode): void {
    if (!QUEUE_TRANSITIONS[this.#mode].includes(next))
      throw new Error(`${this.#name}: cannot go from ${QueueMode[this.#mode]} to ${QueueMode[next]}`);
    this.#mode = next;
  }

  #stampNext(batch: ProducerBatchEntry): void {
    batch.stampWith(this.#producerId, this.#epoch, this.#nextSequence);
    this.#nextSequence = (this.#nextSequence + batch.recordCount) % SEQUENCE_SPAN;
  }

  #requestDone(): void {
    if (this.#requests === 0) throw new Error(`${this.#name}: no request in flight`);
    this.#requests--;
    this.#plainInFlight = false; // a request without sequences is the only one in flight
  }

  /** Hands acknowledged batches at the head to their sends, in queue order. */
  #completeHead(): void {
    const batches = this.#batches;
    while (batches.length > 0 && batches[0]!.state === BatchState.Acked) {
      const batch = batches.shift()!;
      this.#sent--;
      batch.complete(this.topic, this.partition);
      this.#onCompleted(batch);
    }
  }

  /** Removes the sent batch at `index`, failed for good. */
  #removeSent(index: number, error: Error): void {
    if (index < 0 || index >= this.#sent) throw new Error(`${this.#name}: only a sent batch can fail once sent`);
    const [batch] = this.#batches.splice(index, 1);
    this.#sent--;
    batch!.fail(error);
  }

  /**
   * A never-sent batch fails alone (it could not be built). It had taken sequences: the batches after it
   * (never sent either) take them over, so the partition's sequence has no gap and nothing else fails.
   */
  #failUnsent(batch: ProducerBatchEntry, error: Error): void {
    const at = this.#batches.indexOf(batch);
    if (at < this.#sent || batch === this.#open)
      throw new Error(`${this.#name}: only a sealed, never-sent batch fails alone`);
    this.#batches.splice(at, 1);
    batch.fail(error);
    if (!batch.sequenced) return;
    this.#nextSequence = batch.baseSequence;
    for (let i = at; i < this.#batches.length; i++) {
      const next = this.#batches[i]!;
      if (next !== this.#open && next.sequenced) this.#stampNext(next);
    }
  }
}
