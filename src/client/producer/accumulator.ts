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
import { buildRecordBatch, buildRecordBatchSync } from '../../records/batch.js';
import type { RecordInput } from '../../records/record.js';
import { CompressionCodec, Offsets, readInt64, writeBatchCrc, writeInt64 } from '../../../storage/format/record-batch.js';
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
  records: RecordInput[] | null = [];
  state = BatchState.Queued;
  /** Idempotence stamp (set at seal): -1 when the batch has no sequence. */
  producerId = -1;
  epoch = -1;
  baseSequence = -1;
  /** Filled when acknowledged; handed to the sends once every earlier batch of the partition is too. */
  baseOffset = -1;
  logAppendTime = -1;
  logStartOffset = -1;
  recordCount = 0;
  bytes = 0;
  readonly parts: BatchPart[] = [];
  /** Encoded RecordBatch once sealed and built; reused as is on retry. */
  encoded: Buffer | null = null;
  buildError: Error | null = null;
  readonly createdAt: number;
  private lastSend: PendingSend | null = null;

  constructor(
    readonly acks: number,
    readonly compression: CompressionCodec,
    now: number,
  ) {
    this.createdAt = now;
  }

  add(send: PendingSend, record: RecordInput, size: number): void {
    const records = this.records!;
    if (this.lastSend !== send) {
      this.lastSend = send;
      this.parts.push({ send, firstIndex: records.length });
      send.pending++;
    }
    records.push(record);
    this.recordCount++;
    this.bytes += size;
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
  /** Consecutive failed attempts of the head batches. */
  attempts = 0;
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

  constructor(private readonly options: AccumulatorOptions) {
    this.now = options.now ?? Date.now;
  }

  queue(topic: string, partition: number): PartitionQueue {
    const key = `${topic}\u0000${partition}`;
    let q = this.queues.get(key);
    if (!q) this.queues.set(key, (q = new PartitionQueue(topic, partition)));
    return q;
  }

  /** Appends one record of `send`; closes the open batch first when it is full or its settings differ. */
  append(q: PartitionQueue, send: PendingSend, record: RecordInput, size: number): void {
    let batch = q.open;
    if (batch && (batch.acks !== send.acks || batch.compression !== send.compression || batch.bytes + size > this.options.batchSize)) {
      this.seal(q);
      batch = null;
    }
    if (!batch) {
      batch = new ProducerBatchEntry(send.acks, send.compression, this.now());
      q.open = batch;
      q.batches.push(batch);
    }
    batch.add(send, record, size);
  }

  /** Closes the open batch and encodes it (uncompressed: now; compressed: off-thread, then onBuilt). */
  seal(q: PartitionQueue): void {
    const batch = q.open;
    if (!batch) return;
    q.open = null;
    const records = batch.records!;
    batch.records = null;
    this.assignSequence(q, batch);
    if (batch.compression === CompressionCodec.None) {
      try {
        batch.encoded = buildRecordBatchSync(records, { producerId: batch.producerId, producerEpoch: batch.epoch, baseSequence: batch.baseSequence });
      } catch (err) {
        batch.buildError = err as Error;
      }
      return;
    }
    buildRecordBatch(records, { compression: batch.compression }).then(
      (encoded) => {
        batch.encoded = encoded;
        stamp(batch); // the stamp may have changed while compressing (sequence reset)
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

  /** Drops the `n` head batches of a queue (acknowledged or failed for good). */
  shift(q: PartitionQueue, n: number): ProducerBatchEntry[] {
    const done = q.batches.splice(0, n);
    if (q.open && !q.batches.includes(q.open)) q.open = null;
    return done;
  }

  get hasPending(): boolean {
    for (const q of this.queues.values()) if (!q.isEmpty) return true;
    return false;
  }
}

const SEQUENCE_SPAN = 0x8000_0000;
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
