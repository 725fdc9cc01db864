// One record batch of the producer: its records encoded as they are appended (batch-builder.ts), the sends
// that own them, its idempotence stamp, and where it is in its life. Its state moves only along
// BATCH_TRANSITIONS (invalid moves throw); the partition's queue (partition-queue.ts) drives it.
import { BatchBuilder, DOES_NOT_FIT, type RecordBytes, type RecordHeaders } from '../../records/batch-builder.js';
import {
  ATTR_TRANSACTIONAL,
  BATCH_HEADER_SIZE,
  type CompressionCodec,
  Offsets,
  readInt64,
  writeBatchCrc,
  writeInt64,
} from '../../../storage/format/record-batch.js';
import type { BatchPart, PendingSend } from './pending-send.js';

/** Where a batch is in its life: waiting, in a request, acknowledged, waiting to be resent, failed. */
export enum BatchState {
  Queued,
  InFlight,
  Acked,
  Retry,
  Failed,
}

/**
 * The moves a batch may make. Queued → InFlight when a request carries it; InFlight → Acked, → Retry (to be
 * resent with its sequence), → Queued (resent as never sent: without a sequence, or at a new epoch), → Failed;
 * Retry → InFlight, → Queued (new epoch), → Failed; Queued → Failed (it could not be built). Acked and Failed
 * are final: the batch leaves its queue.
 */
const BATCH_TRANSITIONS: Readonly<Record<BatchState, readonly BatchState[]>> = {
  [BatchState.Queued]: [BatchState.InFlight, BatchState.Failed],
  [BatchState.InFlight]: [BatchState.Acked, BatchState.Retry, BatchState.Queued, BatchState.Failed],
  [BatchState.Retry]: [BatchState.InFlight, BatchState.Queued, BatchState.Failed],
  [BatchState.Acked]: [],
  [BatchState.Failed]: [],
};

export class ProducerBatchEntry {
  #state = BatchState.Queued;
  /** The records, encoded as they are appended; null once closed. */
  #builder: BatchBuilder | null;
  /** Encoded RecordBatch once built; reused as is on retry (only its stamp may be rewritten). */
  #encoded: Buffer | null = null;
  /** The buffer the records were encoded in (`encoded` is a view of it when uncompressed): recycled once acknowledged. */
  #storage: Buffer | null = null;
  #buildError: Error | null = null;
  /** Idempotence stamp (set at seal, rewritten for a new epoch): -1 when the batch has no sequence. */
  #producerId = -1;
  #epoch = -1;
  #baseSequence = -1;
  /** Filled when acknowledged; handed to the sends once every earlier batch of the partition is too. */
  #baseOffset = -1;
  #logAppendTime = -1;
  #logStartOffset = -1;
  /** Failed attempts of this batch: the retry budget is per batch (per send), not per partition. */
  #attempts = 0;
  #recordCount = 0;
  readonly parts: BatchPart[] = [];
  readonly createdAt: number;
  #lastSend: PendingSend | null = null;

  constructor(
    readonly acks: number,
    readonly compression: CompressionCodec,
    now: number,
    /** First allocation of the batch buffer (header included), or a recycled buffer; and the most doubling may take it to. */
    capacity: number | Buffer,
    maxCapacity: number,
    allocate: (bytes: number) => Buffer,
    /** Part of a transaction: the header's transactional bit is set with the stamp. */
    readonly transactional = false,
  ) {
    this.createdAt = now;
    this.#builder = new BatchBuilder(capacity, maxCapacity, allocate);
  }

  get state(): BatchState {
    return this.#state;
  }
  get recordCount(): number {
    return this.#recordCount;
  }
  get attempts(): number {
    return this.#attempts;
  }
  get encoded(): Buffer | null {
    return this.#encoded;
  }
  get buildError(): Error | null {
    return this.#buildError;
  }
  get producerId(): number {
    return this.#producerId;
  }
  get epoch(): number {
    return this.#epoch;
  }
  get baseSequence(): number {
    return this.#baseSequence;
  }
  /** The batch carries a producer id, epoch and sequence (pipelined; deduplicated by the broker). */
  get sequenced(): boolean {
    return this.#baseSequence >= 0;
  }
  get baseOffset(): number {
    return this.#baseOffset;
  }
  get logAppendTime(): number {
    return this.#logAppendTime;
  }
  get logStartOffset(): number {
    return this.#logStartOffset;
  }
  /** Bytes the batch will take once built uncompressed (header included), while it is open. */
  get openBytes(): number {
    return this.#builder === null ? 0 : BATCH_HEADER_SIZE + this.#builder.recordsBytes;
  }

  /**
   * Encodes one record of `send` into the batch unless it would take the records past `limitBytes`
   * (an empty batch takes any record). Returns false when it does not fit; throws, changing nothing,
   * on a field the builder refuses.
   */
  add(
    send: PendingSend,
    key: RecordBytes,
    value: RecordBytes,
    headers: RecordHeaders,
    timestamp: number,
    limitBytes: number,
  ): boolean {
    const size = this.#builder!.append(key, value, headers, timestamp, limitBytes);
    if (size === DOES_NOT_FIT) return false;
    if (this.#lastSend !== send) {
      this.#lastSend = send;
      this.parts.push({ send, firstIndex: this.#recordCount });
      send.addPart();
    }
    this.#recordCount++;
    return true;
  }

  /** Takes no more records: the builder, to finish the batch with (built() or buildFailed() follows). */
  close(): BatchBuilder {
    const builder = this.#builder;
    if (builder === null) throw new Error('producer batch: already closed');
    this.#builder = null;
    return builder;
  }

  /** Its idempotence stamp, as the builder writes it into the header. */
  get stamp(): { producerId: number; producerEpoch: number; baseSequence: number } {
    return { producerId: this.#producerId, producerEpoch: this.#epoch, baseSequence: this.#baseSequence };
  }

  /** The encoded batch (with the stamp as it is now: it may have changed while compressing). */
  built(encoded: Buffer, storage: Buffer | null): void {
    this.#encoded = encoded;
    this.#storage = storage;
    this.#writeStamp();
  }

  buildFailed(error: Error): void {
    this.#buildError = error;
  }

  /** Sets the idempotence stamp (at seal, or restamped for a new sequence or epoch). */
  stampWith(producerId: number, epoch: number, baseSequence: number): void {
    this.#producerId = producerId;
    this.#epoch = epoch;
    this.#baseSequence = baseSequence;
    this.#writeStamp();
  }

  /** A request carries it. */
  sent(): void {
    this.#moveTo(BatchState.InFlight);
  }

  /** The broker stored it (`baseOffset` -1: stored, offset unknown). */
  acknowledge(baseOffset: number, logAppendTime: number, logStartOffset: number): void {
    this.#moveTo(BatchState.Acked);
    this.#baseOffset = baseOffset;
    this.#logAppendTime = logAppendTime;
    this.#logStartOffset = logStartOffset;
  }

  /** To be resent with its sequence; `attempt` counts a failed attempt against its budget. */
  resendLater(attempt: boolean): void {
    this.#moveTo(BatchState.Retry);
    if (attempt) this.#attempts++;
  }

  /** Back among the never-sent batches (resent as new: without a sequence, or at a new epoch); a failed attempt. */
  requeue(): void {
    this.#moveTo(BatchState.Queued);
    this.#attempts++;
  }

  /** Failed for good: its sends reject with `error`. */
  fail(error: Error): void {
    this.#moveTo(BatchState.Failed);
    for (const part of this.parts) part.send.fail(error);
  }

  /** Hands an acknowledged batch's offsets to its sends. */
  complete(topic: string, partition: number): void {
    if (this.#state !== BatchState.Acked) throw new Error('producer batch: completed before it was acknowledged');
    const offset = this.#baseOffset;
    for (const part of this.parts) {
      part.send.partDone(
        topic,
        partition,
        offset < 0 ? -1 : offset + part.firstIndex,
        this.#logAppendTime,
        this.#logStartOffset,
      );
    }
  }

  /**
   * The buffer of a completed acknowledged batch, for the next batches (null when there is none to reuse).
   * Nothing may read `encoded` after this. acks=0 batches keep theirs: "acknowledged" when written, their
   * bytes may still be queued in the socket.
   */
  release(): Buffer | null {
    if (this.#state !== BatchState.Acked || this.acks === 0) return null;
    const storage = this.#storage;
    this.#encoded = null;
    this.#storage = null;
    return storage;
  }

  #moveTo(next: BatchState): void {
    if (!BATCH_TRANSITIONS[this.#state].includes(next))
      throw new Error(`producer batch: cannot go from ${BatchState[this.#state]} to ${BatchState[next]}`);
    this.#state = next;
  }

  /** Writes the stamp into the encoded header (inside the CRC, so the CRC is redone) when it differs. */
  #writeStamp(): void {
    const buf = this.#encoded;
    if (!buf || this.#baseSequence < 0) return;
    const attributes = buf.readInt16BE(Offsets.attributes);
    const wanted = this.transactional ? attributes | ATTR_TRANSACTIONAL : attributes;
    const same =
      attributes === wanted &&
      readInt64(buf, Offsets.producerId) === this.#producerId &&
      buf.readInt16BE(Offsets.producerEpoch) === this.#epoch &&
      buf.readInt32BE(Offsets.baseSequence) === this.#baseSequence;
    if (same) return;
    buf.writeInt16BE(wanted, Offsets.attributes);
    writeInt64(buf, Offsets.producerId, this.#producerId);
    buf.writeInt16BE(this.#epoch, Offsets.producerEpoch);
    buf.writeInt32BE(this.#baseSequence, Offsets.baseSequence);
    writeBatchCrc(buf);
  }
}
