// Coalesces concurrent sends into one record batch per partition.
//
// Each partition has a PartitionQueue: `batches` in the order records were appended, the last one
// `open` (still accepting records). A send appends all its records synchronously, in message order, so
// the records of concurrent send() calls sit in each partition's queue in the order of the calls.
// A batch remembers which sends own which records (`parts`: send + index of its first record there), so
// when the broker answers with the batch's base offset, each send learns the offset of its own first
// record in that partition without any per-record bookkeeping.
//
// Ordering (Kafka's guarantee, which kafkajs loses when sends overlap): a batch leaves its queue only
// once acknowledged (or failed for good), in queue order. Idempotent batches (see sequencing.ts) carry
// the producer id, epoch and a per-partition sequence stamped when the batch is sealed, in queue order,
// so the broker stores them in sequence order however many requests are in flight and whatever is
// retried. Batches without a sequence (idempotence off, acks=0) keep one request per partition in
// flight: a retried batch stays at the head and every later batch waits behind it.
import { BatchBuilder, DOES_NOT_FIT, type RecordBytes, type RecordHeaders } from '../../records/batch-builder.js';
import { compress } from '../../records/compression.js';
import {
  BATCH_HEADER_SIZE,
  CompressionCodec,
  Offsets,
  readInt64,
  writeBatchCrc,
  writeInt64,
} from '../../../storage/format/record-batch.js';
import type { RecordMetadata } from './types.js';

/** One send()/sendBatch() call: settles when every batch holding its records is acknowledged. */
export class PendingSend {
  /** Batch parts not yet acknowledged. */
  pending = 0;
  private readonly results: RecordMetadata[] = [];
  /** Partitions already in `results`: most sends touch one, so a Set is made only for a second. */
  private firstKey: string | null = null;
  private seen: Set<string> | null = null;
  private settled = false;
  /** Set when all records are appended; a send never settles before that. */
  sealed = false;

  constructor(
    readonly acks: number,
    readonly timeoutMs: number,
    readonly compression: CompressionCodec,
    private readonly resolveFn: (results: RecordMetadata[]) => void,
    private readonly rejectFn: (error: Error) => void,
  ) {}

  get isSettled(): boolean {
    return this.settled;
  }

  /** A part of this send was stored; the first part per partition carries the send's base offset. */
  partDone(topic: string, partition: number, baseOffset: number, logAppendTime: number, logStartOffset: number): void {
    if (this.acks !== 0) {
      const key = `${topic}\u0000${partition}`;
      if (this.firstKey === null || (key !== this.firstKey && !this.seen?.has(key))) {
        if (this.firstKey === null) this.firstKey = key;
        else (this.seen ??= new Set()).add(key);
        this.results.push({
          topicName: topic,
          partition,
          errorCode: 0,
          baseOffset: String(baseOffset),
          logAppendTime: String(logAppendTime),
          logStartOffset: String(logStartOffset),
        });
      }
    }
    this.pending--;
    this.maybeResolve();
  }

  maybeResolve(): void {
    if (this.settled || !this.sealed || this.pending > 0) return;
    this.settled = true;
    this.resolveFn(this.results);
  }

  fail(error: Error): void {
    if (this.settled) return;
    this.settled = true;
    this.rejectFn(error);
  }
}

export interface BatchPart {
  send: PendingSend;
  firstIndex: number;
}

/** Where a batch is in its life: waiting, in a request, acknowledged, waiting to be resent, failed. */
export enum BatchState {
  Queued,
  InFlight,
  Acked,
  Retry,
  Failed,
}

export class ProducerBatchEntry {
  /** The records, encoded as they are appended (batch-builder.ts); null once sealed. */
  builder: BatchBuilder | null;
  state = BatchState.Queued;
  /** Idempotence stamp (set at seal): -1 when the batch has no sequence. */
  producerId = -1;
  epoch = -1;
  baseSequence = -1;
  /** Filled when acknowledged; handed to the sends once every earlier batch of the partition is too. */
  baseOffset = -1;
  logAppendTime = -1;
  logStartOffset = -1;
  /** Failed attempts of this batch: the retry budget is per batch (per send), not per partition. */
  attempts = 0;
  recordCount = 0;
  bytes = 0;
  readonly parts: BatchPart[] = [];
  /** Encoded RecordBatch once sealed and built; reused as is on retry. */
  encoded: Buffer | null = null;
  /** The buffer the records were encoded in (`encoded` is a view of it when uncompressed): recycled once acknowledged. */
  storage: Buffer | null = null;
  buildError: Error | null = null;
  readonly createdAt: number;
  private lastSend: PendingSend | null = null;

  constructor(
    readonly acks: number,
    readonly compression: CompressionCodec,
    now: number,
    /** First allocation of the batch buffer (header included), or a recycled buffer; and the most doubling may take it to. */
    capacity: number | Buffer,
    maxCapacity: number,
    allocate: (bytes: number) => Buffer,
  ) {
    this.createdAt = now;
    this.builder = new BatchBuilder(capacity, maxCapacity, allocate);
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
    const size = this.builder!.append(key, value, headers, timestamp, limitBytes);
    if (size === DOES_NOT_FIT) return false;
    if (this.lastSend !== send) {
      this.lastSend = send;
      this.parts.push({ send, firstIndex: this.recordCount });
      send.pending++;
    }
    this.recordCount++;
    this.bytes += size;
    return true;
  }
}

export class PartitionQueue {
  /** Sealed batches first, then at most one open batch at the end. */
  readonly batches: ProducerBatchEntry[] = [];
  open: ProducerBatchEntry | null = null;
  /** Head batches sent at least once and still queued (in flight, acknowledged out of order, or to resend). */
  sent = 0;
  /** Produce requests in flight that carry batches of this partition. */
  requests = 0;
  /** A request without sequences is in flight: nothing else of this partition may be sent meanwhile. */
  plainInFlight = false;
  /** A sent batch must be resent: new batches wait until every earlier one is stored. */
  retrying = false;
  /** The sequence broke (a batch failed for good): new stamps wait for a fresh epoch. */
  resetting = false;
  /** Idempotence: this partition's producer id and epoch (-1 until the first stamp), next sequence. */
  producerId = -1;
  epoch = -1;
  nextSequence = 0;
  /** Size of the last batch sealed here: the next batch's first allocation (batches of a partition tend to repeat). */
  lastBatchBytes = 0;
  /** No request before this time (retry backoff). */
  notBefore = 0;

  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {}

  get isEmpty(): boolean {
    return this.batches.length === 0;
  }
}

export interface ProducerIdentity {
  producerId: number;
  epoch: number;
}

export interface AccumulatorOptions {
  batchSize: number;
  /** The idempotent producer's identity, or null when batches get no sequence. */
  identity?: () => ProducerIdentity | null;
  now?: () => number;
  /** Called when a compressed batch finished building, so the sender can look again. */
  onBuilt: () => void;
}

export class Accumulator {
  readonly queues = new Map<string, PartitionQueue>();
  private readonly now: () => number;
  /** Header + batchSize: the size of a full batch's buffer, the only size recycled. */
  private readonly fullCapacity: number;
  /**
   * Full-size batch buffers whose batches were acknowledged, for the next batches: a fresh buffer of this
   * size is new memory (mmap) that the kernel zeroes and maps page by page as records are written, which
   * costs more than encoding them. Only an acknowledged batch (acks ≠ 0) gives its buffer back: the broker
   * answered the request, so every byte of it left the socket and nothing reads the buffer any more.
   */
  private readonly spare: Buffer[] = [];
  private readonly maxSpare: number;

  constructor(private readonly options: AccumulatorOptions) {
    this.now = options.now ?? Date.now;
    this.fullCapacity = BATCH_HEADER_SIZE + options.batchSize;
    this.maxSpare = Math.max(1, Math.floor(MAX_SPARE_BYTES / this.fullCapacity));
  }

  queue(topic: string, partition: number): PartitionQueue {
    const key = `${topic}\u0000${partition}`;
    let q = this.queues.get(key);
    if (!q) this.queues.set(key, (q = new PartitionQueue(topic, partition)));
    return q;
  }

  /**
   * Encodes one record of `send` into the partition's open batch; closes that batch first when the
   * record would take it past batchSize or its settings differ. Throws (nothing appended) on a field
   * the encoder refuses.
   */
  append(
    q: PartitionQueue,
    send: PendingSend,
    key: RecordBytes,
    value: RecordBytes,
    headers: RecordHeaders,
    timestamp: number,
  ): void {
    const open = q.open;
    if (open !== null) {
      if (
        open.acks === send.acks &&
        open.compression === send.compression &&
        open.add(send, key, value, headers, timestamp, this.options.batchSize)
      )
        return;
      this.seal(q);
    }
    const batch = new ProducerBatchEntry(
      send.acks,
      send.compression,
      this.now(),
      this.bufferFor(q),
      this.fullCapacity,
      this.allocate,
    );
    try {
      batch.add(send, key, value, headers, timestamp, Infinity);
    } catch (err) {
      this.recycle(batch.builder!.storage); // the batch was never queued
      throw err;
    }
    q.open = batch;
    q.batches.push(batch);
  }

  /**
   * A new batch's buffer: a spare full-size one when there is one (already paid for); else sized like the
   * partition's last batch, the best guess of the next, or full-size once batches reach 1/FULL_BUFFER_SHARE
   * of batchSize (so it can be recycled).
   */
  private bufferFor(q: PartitionQueue): number | Buffer {
    const spare = this.spare.pop();
    if (spare !== undefined) return spare;
    return q.lastBatchBytes * FULL_BUFFER_SHARE < this.fullCapacity
      ? Math.max(MIN_BATCH_CAPACITY, q.lastBatchBytes)
      : this.fullCapacity;
  }

  /** Growth of a batch buffer: to full size, a spare when there is one. */
  private readonly allocate = (bytes: number): Buffer =>
    (bytes === this.fullCapacity ? this.spare.pop() : undefined) ?? Buffer.allocUnsafe(bytes);

  private recycle(storage: Buffer | null): void {
    if (storage !== null && storage.length === this.fullCapacity && this.spare.length < this.maxSpare)
      this.spare.push(storage);
  }

  /** Closes the open batch: header and CRC now (uncompressed), or compressed off-thread, then onBuilt. */
  seal(q: PartitionQueue): void {
    const batch = q.open;
    if (!batch) return;
    q.open = null;
    const builder = batch.builder!;
    batch.builder = null;
    q.lastBatchBytes = BATCH_HEADER_SIZE + builder.recordsBytes;
    this.assignSequence(q, batch);
    if (batch.compression === CompressionCodec.None) {
      try {
        batch.encoded = builder.finish({
          producerId: batch.producerId,
          producerEpoch: batch.epoch,
          baseSequence: batch.baseSequence,
        });
        batch.storage = builder.storage;
      } catch (err) {
        batch.buildError = err as Error;
      }
      return;
    }
    compress(batch.compression, builder.recordsSection())
      .then((compressed) => {
        const encoded = builder.finishCompressed(batch.compression, compressed);
        this.recycle(builder.storage); // compressed into a buffer of its own: the records' buffer is free
        return encoded;
      })
      .then(
        (encoded) => {
          batch.encoded = encoded;
          stamp(batch); // the stamp as it is now (it may have changed while compressing: sequence reset)
          this.options.onBuilt();
        },
        (err: Error) => {
          batch.buildError = err;
          this.options.onBuilt();
        },
      );
  }

  /** Stamps the next sequence of the partition (acks=0 batches get none: no answer, no retry to detect). */
  private assignSequence(q: PartitionQueue, batch: ProducerBatchEntry): void {
    if (batch.acks === 0) return;
    const identity = this.options.identity?.();
    if (!identity) return;
    if (q.producerId < 0) {
      q.producerId = identity.producerId;
      q.epoch = identity.epoch;
    }
    batch.producerId = q.producerId;
    batch.epoch = q.epoch;
    batch.baseSequence = q.nextSequence;
    q.nextSequence = (q.nextSequence + batch.recordCount) % SEQUENCE_SPAN;
  }

  /**
   * A batch failed for good, so the partition's sequence has a gap: the broker would refuse every later
   * batch. Like Kafka's epoch bump, the partition starts epoch+1 at sequence 0 (or takes `fresh`, a new
   * producer id, when epochs are used up) and restamps its batches that were never sent, in order.
   */
  restartSequence(q: PartitionQueue, fresh: ProducerIdentity | null): void {
    if (fresh) {
      q.producerId = fresh.producerId;
      q.epoch = fresh.epoch;
    } else {
      q.epoch++;
    }
    q.nextSequence = 0;
    for (const batch of q.batches) {
      if (batch === q.open || batch.baseSequence < 0 || batch.state !== BatchState.Queued) continue;
      batch.producerId = q.producerId;
      batch.epoch = q.epoch;
      batch.baseSequence = q.nextSequence;
      q.nextSequence = (q.nextSequence + batch.recordCount) % SEQUENCE_SPAN;
      stamp(batch);
    }
  }

  /** Restamps the never-sent batches from index `from` on with sequences starting at `sequence` (same epoch). */
  resequence(q: PartitionQueue, from: number, sequence: number): void {
    q.nextSequence = sequence;
    for (let i = from; i < q.batches.length; i++) {
      const batch = q.batches[i]!;
      if (batch === q.open || batch.baseSequence < 0) continue;
      batch.baseSequence = q.nextSequence;
      q.nextSequence = (q.nextSequence + batch.recordCount) % SEQUENCE_SPAN;
      stamp(batch);
    }
  }

  /**
   * Drops the `n` head batches of a queue (acknowledged or failed for good). An acknowledged batch's
   * buffer is recycled, so its `encoded` is cleared: nothing may read it after this.
   */
  shift(q: PartitionQueue, n: number): ProducerBatchEntry[] {
    const done = q.batches.splice(0, n);
    if (q.open && !q.batches.includes(q.open)) q.open = null;
    for (const batch of done) {
      if (batch.state !== BatchState.Acked || batch.acks === 0) continue; // acks=0: "acknowledged" when written, maybe still queued in the socket
      batch.encoded = null;
      this.recycle(batch.storage);
      batch.storage = null;
    }
    return done;
  }

  get hasPending(): boolean {
    for (const q of this.queues.values()) if (!q.isEmpty) return true;
    return false;
  }
}

const SEQUENCE_SPAN = 0x8000_0000;
/** First allocation of a partition's first batch (header included); later ones start at the last batch's size. */
const MIN_BATCH_CAPACITY = 1024;
/** A partition whose last batch filled at least 1/FULL_BUFFER_SHARE of a full one gets a full-size (recyclable) buffer. */
const FULL_BUFFER_SHARE = 8;
/** Most bytes of spare batch buffers an accumulator keeps (at least one buffer). */
const MAX_SPARE_BYTES = 4 * 1024 * 1024;
export const MAX_EPOCH = 0x7fff;

/** Writes a batch's idempotence stamp into its encoded header (inside the CRC, so the CRC is redone). */
function stamp(batch: ProducerBatchEntry): void {
  const buf = batch.encoded;
  if (!buf || batch.baseSequence < 0) return;
  const same =
    readInt64(buf, Offsets.producerId) === batch.producerId &&
    buf.readInt16BE(Offsets.producerEpoch) === batch.epoch &&
    buf.readInt32BE(Offsets.baseSequence) === batch.baseSequence;
  if (same) return;
  writeInt64(buf, Offsets.producerId, batch.producerId);
  buf.writeInt16BE(batch.epoch, Offsets.producerEpoch);
  buf.writeInt32BE(batch.baseSequence, Offsets.baseSequence);
  writeBatchCrc(buf);
}
