// One send()/sendBatch() call: its records are spread over batches (a part per batch and partition), and
// its promise settles once every part is acknowledged (or as soon as one fails for good).
import type { CompressionCodec } from '../../../storage/format/record-batch.js';
import type { RecordMetadata } from './types.js';
import { topicPartitionKey } from '../topic-partition.js';
import { OffsetStrings } from '../decimal-strings.js';

/** Every send's base offset as a string, not by `String()`: why, in decimal-strings.ts. */
const baseOffsets = new OffsetStrings();

export class PendingSend {
  /** Batch parts not yet acknowledged. */
  #pending = 0;
  /** Made with the first partition's entry: most sends have one (an array of one, not a grown one). */
  #results: RecordMetadata[] | null = null;
  /** Partitions already in `results`: most sends touch one, so a Set of keys is made only for a second. */
  #firstTopic: string | null = null;
  #firstPartition = -1;
  #seen: Set<string> | null = null;
  #settled = false;
  /** Set when all records are appended; a send never settles before that. */
  #sealed = false;

  readonly #resolve: (results: RecordMetadata[]) => void;
  readonly #reject: (error: Error) => void;

  constructor(
    readonly acks: number,
    readonly timeoutMs: number,
    readonly compression: CompressionCodec,
    resolve: (results: RecordMetadata[]) => void,
    reject: (error: Error) => void,
  ) {
    this.#resolve = resolve;
    this.#reject = reject;
  }

  /** A batch took records of this send. */
  addPart(): void {
    this.#pending++;
  }

  /** Every record is appended: the send settles once its parts are acknowledged (maybe at once). */
  seal(): void {
    this.#sealed = true;
    this.#maybeResolve();
  }

  /** A part of this send was stored; the first part per partition carries the send's base offset. */
  partDone(topic: string, partition: number, baseOffset: number, logAppendTime: number, logStartOffset: number): void {
    if (this.acks !== 0 && this.#isNew(topic, partition)) {
      const metadata: RecordMetadata = {
        topicName: topic,
        partition,
        errorCode: 0,
        baseOffset: baseOffsets.of(baseOffset),
        logAppendTime: String(logAppendTime),
        logStartOffset: String(logStartOffset),
      };
      if (this.#results === null) this.#results = [metadata];
      else this.#results.push(metadata);
    }
    this.#pending--;
    this.#maybeResolve();
  }

  /** Whether `results` has no entry of this partition yet (and it now counts as seen). */
  #isNew(topic: string, partition: number): boolean {
    if (this.#firstTopic === null) {
      this.#firstTopic = topic;
      this.#firstPartition = partition;
      return true;
    }
    if (partition === this.#firstPartition && topic === this.#firstTopic) return false;
    const key = topicPartitionKey(topic, partition);
    if (this.#seen?.has(key)) return false;
    (this.#seen ??= new Set()).add(key);
    return true;
  }

  fail(error: Error): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#reject(error);
  }

  #maybeResolve(): void {
    if (this.#settled || !this.#sealed || this.#pending > 0) return;
    this.#settled = true;
    this.#resolve(this.#results ?? []);
  }
}

/** The records of one send in one batch: they start at `firstIndex` of the batch. */
export interface BatchPart {
  send: PendingSend;
  firstIndex: number;
}
