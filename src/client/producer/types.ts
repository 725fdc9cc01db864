// Public shapes of the producer, as kafkajs defines them.
import type { HeadersInput } from '../../records/headers.js';
import type { PartitionerFactory } from '../../records/partitioners.js';
import type { RetryOptions } from '../retry.js';

export enum CompressionTypes {
  None = 0,
  GZIP = 1,
  Snappy = 2,
  LZ4 = 3,
  ZSTD = 4,
}

export type IHeaders = HeadersInput;

export type Message = {
  key?: Buffer | string | null;
  value: Buffer | string | null;
  partition?: number;
  headers?: IHeaders;
  /** Milliseconds since the epoch, as a string (kafkajs) or a number. Defaults to now. */
  timestamp?: string | number;
  /**
   * Sluice (queues): share groups hand the record out only this many ms after send() was called (the
   * `sluice-deliver-at` header); 0 to 7 776 000 000 (90 days). Consumer groups see it at once.
   * Not with `deliverAt`.
   */
  delayMs?: number;
  /** Sluice (queues): share groups hand the record out only from this time (a Date or ms since the epoch; at most 90 days ahead). */
  deliverAt?: Date | number;
  /** Sluice (queues): 0 (default) to 9; share groups hand out higher priorities first (the `sluice-priority` header). */
  priority?: number;
};

export interface ProducerRecord {
  topic: string;
  messages: Message[];
  /** -1 (default): after the flush policy; 1: after the leader's append; 0: no response at all. */
  acks?: number;
  /** Broker-side produce timeout, ms (default 30000). */
  timeout?: number;
  compression?: CompressionTypes;
}

export interface TopicMessages {
  topic: string;
  messages: Message[];
}

export interface ProducerBatch {
  acks?: number;
  timeout?: number;
  compression?: CompressionTypes;
  topicMessages?: TopicMessages[];
}

/** One entry per topic-partition a send touched. Offsets are decimal strings, as in kafkajs. */
export interface RecordMetadata {
  topicName: string;
  partition: number;
  errorCode: number;
  /** Offset of this send's first record in the partition. */
  baseOffset: string;
  logAppendTime: string;
  logStartOffset: string;
}

export interface ProducerConfig {
  createPartitioner?: PartitionerFactory;
  retry?: RetryOptions;
  metadataMaxAge?: number;
  /** Default true: the first send to a missing topic creates it (if the broker allows). */
  allowAutoTopicCreation?: boolean;
  /**
   * Default true (Kafka ≥ 3.0): batches carry a producer id, epoch and per-partition sequence, so the
   * broker stores each exactly once and in send() order even with several requests per partition in
   * flight and retries. false: one request per partition in flight (order kept, a retry after a lost
   * answer may store a batch twice). Batches of acks=0 sends never carry sequences.
   */
  idempotent?: boolean;
  /**
   * Makes the producer transactional (Kafka's transactional.id): it sends only inside
   * producer.transaction(), and a new instance with the same id fences the older one. Needs idempotence
   * (setting `idempotent: false` with it is refused).
   */
  transactionalId?: string;
  /** Transactional producers: the broker aborts a transaction left open longer than this (ms, default 60000). */
  transactionTimeout?: number;
  /**
   * Produce requests in flight per broker connection (default 5), and per partition when idempotent
   * (capped at 5: the broker deduplicates against the last 5 batches). Not idempotent: 1 per partition.
   */
  maxInFlightRequests?: number;
  /** Sluice: how long a partition's first record waits for more before its batch is sent (default 0 = next event-loop turn). */
  lingerMs?: number;
  /** Sluice: a record batch is closed once its encoded records would pass this many bytes (default 256 KiB; a larger record gets a batch of its own). */
  batchSize?: number;
  /** Sluice: upper bound of record bytes per produce request (default 16 MiB). */
  maxRequestSize?: number;
}
