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
// once acknowledged (or failed for good), in queue order. Idempotent batches carry the producer id, epoch
// and a per-partition sequence stamped when the batch is sealed, in queue order, so the broker stores them
// in sequence order however many requests are in flight and whatever is retried. Batches without a sequence
// (idempotence off, acks=0) keep one request per partition in flight: a retried batch stays at the head and
// every later batch waits behind it. The queue (partition-queue.ts) owns that order and the sequencing; this
// file builds the batches and recycles their buffers.
import type { RecordBytes, RecordHeaders } from '../../records/batch-builder.js';
import { compress } from '../../records/compression.js';
import { BATCH_HEADER_SIZE, CompressionCodec } from '../../../storage/format/record-batch.js';
import { ProducerBatchEntry } from './batch.js';
import { PartitionQueue, type ProducerIdentity } from './partition-queue.js';
import type { PendingSend } from './pending-send.js';
import { topicPartitionKey } from '../topic-partition.js';

export interface AccumulatorOptions {
  batchSize: number;
  /** The idempotent producer's identity, or null when batches get no sequence. */
  identity?: () => ProducerIdentity | null;
  /** Every batch belongs to a transaction (the transactional attribute bit). */
  transactional?: boolean;
  now?: () => number;
  /** Called when a compressed batch finished building, so the sender can look again. */
  onBuilt: () => void;
}

export class Accumulator {
  readonly queues = new Map<string, PartitionQueue>();
  #lastQueue: PartitionQueue | null = null;
  readonly #now: () => number;
  /** Header + batchSize: the size of a full batch's buffer, the only size recycled. */
  readonly #fullCapacity: number;
  /**
   * Full-size batch buffers whose batches were acknowledged, for the next batches: a fresh buffer of this
   * size is new memory (mmap) that the kernel zeroes and maps page by page as records are written, which
   * costs more than encoding them. Only an acknowledged batch (acks ≠ 0) gives its buffer back: the broker
   * answered the request, so every byte of it left the socket and nothing reads the buffer any more.
   */
  readonly #spare: Buffer[] = [];
  readonly #maxSpare: number;

  readonly #options: AccumulatorOptions;

  constructor(options: AccumulatorOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#fullCapacity = BATCH_HEADER_SIZE + options.batchSize;
    this.#maxSpare = Math.max(1, Math.floor(MAX_SPARE_BYTES / this.#fullCapacity));
  }

  queue(topic: string, partition: number): PartitionQueue {
    // The queue of the previous call again (most sends go to one partition after another of one topic):
    // no key string built. Queues are never removed, so the remembered one stays the map's.
    const last = this.#lastQueue;
    if (last !== null && last.partition === partition && last.topic === topic) return last;
    const key = topicPartitionKey(topic, partition);
    let q = this.queues.get(key);
    if (!q) this.queues.set(key, (q = new PartitionQueue(topic, partition, this.#onCompleted)));
    this.#lastQueue = q;
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
        open.add(send, key, value, headers, timestamp, this.#options.batchSize)
      )
        return;
      this.seal(q);
    }
    const batch = new ProducerBatchEntry(
      send.acks,
      send.compression,
      this.#now(),
      this.#bufferFor(q),
      this.#fullCapacity,
      this.#allocate,
      this.#options.transactional ?? false,
    );
    try {
      batch.add(send, key, value, headers, timestamp, Infinity);
    } catch (err) {
      this.#recycle(batch.close().storage); // the batch was never queued
      throw err;
    }
    q.openBatch(batch);
  }

  /**
   * A new batch's buffer: a spare full-size one when there is one (already paid for); else sized like the
   * partition's last batch, the best guess of the next, or full-size once batches reach 1/FULL_BUFFER_SHARE
   * of batchSize (so it can be recycled).
   */
  #bufferFor(q: PartitionQueue): number | Buffer {
    const spare = this.#spare.pop();
    if (spare !== undefined) return spare;
    return q.lastBatchBytes * FULL_BUFFER_SHARE < this.#fullCapacity
      ? Math.max(MIN_BATCH_CAPACITY, q.lastBatchBytes)
      : this.#fullCapacity;
  }

  /** Growth of a batch buffer: to full size, a spare when there is one. */
  readonly #allocate = (bytes: number): Buffer =>
    (bytes === this.#fullCapacity ? this.#spare.pop() : undefined) ?? Buffer.allocUnsafe(bytes);

  #recycle(storage: Buffer | null): void {
    if (storage !== null && storage.length === this.#fullCapacity && this.#spare.length < this.#maxSpare)
      this.#spare.push(storage);
  }

  /**
   * Closes the open batch (the queue stamps its sequence): header and CRC now (uncompressed), or compressed
   * off-thread, then onBuilt.
   */
  seal(q: PartitionQueue): void {
    const batch = q.seal(this.#options.identity?.() ?? null);
    if (batch === null) return;
    const builder = batch.close();
    if (batch.compression === CompressionCodec.None) {
      try {
        batch.built(builder.finish(batch.stamp), builder.storage);
      } catch (err) {
        batch.buildFailed(err as Error);
      }
      return;
    }
    compress(batch.compression, builder.recordsSection())
      .then((compressed) => {
        const encoded = builder.finishCompressed(batch.compression, compressed);
        this.#recycle(builder.storage); // compressed into a buffer of its own: the records' buffer is free
        return encoded;
      })
      .then(
        (encoded) => {
          batch.built(encoded, null);
          this.#options.onBuilt();
        },
        (err: Error) => {
          batch.buildFailed(err);
          this.#options.onBuilt();
        },
      );
  }

  /** An acknowledged batch left its queue: nothing reads its buffer any more. */
  readonly #onCompleted = (batch: ProducerBatchEntry): void => this.#recycle(batch.release());

  /** The producer has a new id or epoch: every (empty) queue restarts its sequence with it. */
  resetIdentities(): void {
    for (const q of this.queues.values()) q.resetIdentity();
  }

  get hasPending(): boolean {
    for (const q of this.queues.values()) if (!q.isEmpty) return true;
    return false;
  }
}

/** First allocation of a partition's first batch (header included); later ones start at the last batch's size. */
const MIN_BATCH_CAPACITY = 1024;
/** A partition whose last batch filled at least 1/FULL_BUFFER_SHARE of a full one gets a full-size (recyclable) buffer. */
const FULL_BUFFER_SHARE = 8;
/**
 * Most bytes of spare batch buffers an accumulator keeps (at least one buffer): as many as its busiest moment
 * freed, up to Kafka's `buffer.memory` default. A buffer dropped instead stays garbage until a full collection,
 * and the one allocated in its place is fresh pages the kernel must fault in again.
 */
const MAX_SPARE_BYTES = 32 * 1024 * 1024;
