// Public shapes of the consumer, as kafkajs defines them.
import type { DecodedHeaders } from '../../records/headers.js';
import type { Cluster } from '../cluster.js';
import type { Logger } from '../logger.js';
import type { RetryOptions } from '../retry.js';
import type { PartitionAssigner } from './assignors/index.js';

export interface KafkaMessage {
  magicByte: number;
  attributes: number;
  /** Milliseconds since the epoch, as a decimal string. */
  timestamp: string;
  offset: string;
  /**
   * Valid for ever by default (records are copied out of the fetch response as they are decoded, each one
   * above 64 KiB into a buffer of its own); with ConsumerConfig.reuseFetchBuffers, only until the handler
   * resolves.
   */
  key: Buffer | null;
  value: Buffer | null;
  headers: DecodedHeaders;
  isControlRecord: boolean;
  /** Bytes of the record on the wire. */
  size: number;
}

export interface Batch {
  topic: string;
  partition: number;
  highWatermark: string;
  messages: KafkaMessage[];
  isEmpty(): boolean;
  firstOffset(): string | null;
  lastOffset(): string;
  offsetLag(): string;
  offsetLagLow(): string;
}

export interface TopicPartitions {
  topic: string;
  partitions: number[];
}
export interface TopicPartitionOffset {
  topic: string;
  partition: number;
  offset: string;
}
export interface TopicPartitionOffsetAndMetadata extends TopicPartitionOffset {
  metadata?: string | null;
}
export interface PartitionOffset {
  partition: number;
  offset: string;
}
export interface TopicOffsets {
  topic: string;
  partitions: PartitionOffset[];
}
export interface OffsetsByTopicPartition {
  topics: TopicOffsets[];
}

export interface EachMessagePayload {
  topic: string;
  partition: number;
  message: KafkaMessage;
  heartbeat(): Promise<void>;
  /** Pauses this topic-partition; returns a function that resumes it. */
  pause(): () => void;
}

export interface EachBatchPayload {
  batch: Batch;
  resolveOffset(offset: string): void;
  heartbeat(): Promise<void>;
  pause(): () => void;
  commitOffsetsIfNecessary(offsets?: OffsetsByTopicPartition): Promise<void>;
  uncommittedOffsets(): OffsetsByTopicPartition;
  isRunning(): boolean;
  isStale(): boolean;
}

export type EachMessageHandler = (payload: EachMessagePayload) => Promise<void>;
export type EachBatchHandler = (payload: EachBatchPayload) => Promise<void>;

export interface ConsumerRunConfig {
  autoCommit?: boolean;
  autoCommitInterval?: number | null;
  autoCommitThreshold?: number | null;
  eachBatchAutoResolve?: boolean;
  partitionsConsumedConcurrently?: number;
  eachBatch?: EachBatchHandler;
  eachMessage?: EachMessageHandler;
}

export interface ConsumerSubscribeTopics {
  topics: Array<string | RegExp>;
  fromBeginning?: boolean;
}
export interface ConsumerSubscribeTopic {
  topic: string | RegExp;
  fromBeginning?: boolean;
}

/** Sluice addition: explicit partitions, no group. */
export interface ConsumerAssignment {
  topic: string;
  partitions: number[];
  /** Where to start when no offset was seeked or committed (default false = latest). */
  fromBeginning?: boolean;
}

export interface ConsumerConfig {
  /**
   * The consumer group to join: a non-empty string of at most 255 characters (checked when the consumer is
   * created). Without one, the consumer reads every partition of the subscribed topics (or those assign()
   * names) and commits nothing.
   */
  groupId?: string;
  metadataMaxAge?: number;
  sessionTimeout?: number;
  rebalanceTimeout?: number;
  heartbeatInterval?: number;
  /**
   * Per partition cap of one fetch (the first batch is always returned whole). When set, a fixed cap (as in
   * kafkajs). Left unset, each partition of a fetch asks for its share of `maxBytes` among the partitions
   * fetched, at least 1 MiB (so a consumer of one partition of large records fetches 10 MiB at a time).
   */
  maxBytesPerPartition?: number;
  minBytes?: number;
  /** Cap of one fetch response (default 10 MiB). */
  maxBytes?: number;
  /** Long-poll: how long the broker may hold a fetch while fewer than minBytes are available (default 5000). */
  maxWaitTimeInMs?: number;
  retry?: RetryOptions & { restartOnFailure?: (err: Error) => Promise<boolean> };
  allowAutoTopicCreation?: boolean;
  maxInFlightRequests?: number;
  /**
   * Default false (kafkajs): fetches are read_committed — records of open transactions wait until their
   * transaction ends and those of aborted transactions are never delivered — and a group member starts from
   * stable offsets (KIP-447: where a transaction not ended yet commits the group's offset, it waits for that
   * transaction, as Kafka's Java consumer does; kafkajs does not). true: read_uncommitted, every record as soon
   * as it is stored, and the committed offsets as they are.
   */
  readUncommitted?: boolean;
  /**
   * Verify the CRC-32C of every fetched record batch before delivering it (librdkafka's `check.crcs`).
   * Default false, as librdkafka (kafkajs does not check at all): the broker verifies each batch's CRC
   * when it is produced and recovery verifies the unflushed tail, so on a healthy disk the check finds
   * nothing, and it costs ~0.3–0.6 ms of CPU per MiB replayed (a quarter of the client's time with
   * 64 KiB records). Turn it on to catch corruption of data at rest or in memory end to end; a batch that
   * fails it is not delivered, the error is logged and the partition is fetched again after a pause.
   */
  checkCrcs?: boolean;
  /**
   * Sluice: fetched-but-unprocessed bytes per partition above which prefetching pauses (default 2 ×
   * maxBytesPerPartition; with maxBytesPerPartition unset, the partition's share of `maxBytes` among the
   * assigned partitions when that is larger).
   */
  maxPrefetchBytesPerPartition?: number;
  /**
   * Sluice: messages view large fetch responses (1 MiB and more, read into memory reused from earlier
   * responses) instead of copies of their records (default false: records are copied out as they are
   * decoded and the response's memory is reused then; bench/RESULTS.md), but
   * message keys, values and header values are then valid only until the handler that received them
   * resolves (eachMessage: that message's; eachBatch: the batch's): copy what you keep
   * (`Buffer.from(message.value)`). Offsets, timestamps and header names are not affected.
   */
  reuseFetchBuffers?: boolean;
  /**
   * Sluice: once a fetch finds every partition of a broker at its end, have that broker push new records
   * as they are appended (FetchPush, bounded by credit of maxBytes) instead of sending a fetch per burst
   * (default true); a replay of large records (16 KiB or more on average) is streamed the same way while
   * behind (credit of twice maxBytes, frames of up to maxBytes).
   * false: plain fetches only, as kafkajs does.
   */
  pushWhenCaughtUp?: boolean;
  /** Sluice: where partitions come from (default: static — subscribe() = all partitions, or assign()). */
  partitionAssignmentSource?: PartitionAssignmentSource;
  /** Assigners offered when joining a group, in order of preference (default DEFAULT_PARTITION_ASSIGNERS: round robin, then range). */
  partitionAssigners?: PartitionAssigner[];
  /** Sluice addition: static membership (Kafka's group.instance.id): a restart within sessionTimeout keeps the partitions. */
  groupInstanceId?: string;
  /** Sluice: where start offsets come from and commits go (default: none — nothing is stored). */
  offsetCommitter?: OffsetCommitter;
}

// The seam for consumer groups (assignment.ts says what each side does; it holds the defaults).

export interface AssignmentContext {
  cluster: Cluster;
  logger: Logger;
  /** Topics given to subscribe() (regexes already resolved against the topic list). */
  subscribedTopics: string[];
}

export interface PartitionAssignmentSource {
  start(context: AssignmentContext): Promise<TopicPartitions[]>;
  /** The listener's promise settles once the consumer has applied the assignment (revoked partitions committed). */
  onChange(listener: (assignment: TopicPartitions[]) => Promise<void> | void): void;
  heartbeat(): Promise<void>;
  isStale(): boolean;
  stop(): Promise<void>;
}

export interface OffsetCommitter {
  /** Committed next-offset per partition, keyed by topicPartitionKey(topic, partition); null = none. */
  committed(assignment: TopicPartitions[]): Promise<Map<string, number | null>>;
  commit(offsets: TopicPartitionOffsetAndMetadata[]): Promise<void>;
}
