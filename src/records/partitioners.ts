// kafkajs-shaped partitioners: a partitioner factory `() => ({ topic, partitionMetadata, message }) => number`.
//
// DefaultPartitioner follows Kafka's Java DefaultPartitioner and kafkajs's JavaCompatiblePartitioner:
//   1. message.partition set      → that partition
//   2. message.key set            → toPositive(murmur2(key)) % (number of partitions in the topic)
//      All partitions count, available or not, exactly as Kafka and kafkajs do: a key must map to the
//      same partition whatever the leaders' state, or ordering per key would break during failover.
//      String keys hash their UTF-8 bytes (what Java's StringSerializer sends).
//   3. neither                    → round-robin over partitions that have a leader (leader >= 0),
//      or over all partitions when none has; each partitioner instance keeps one counter per topic,
//      starting at a random point so many producers do not all start on partition 0.
// Kafka ≥ 2.4's "sticky" batching for unkeyed records is not imitated (kafkajs does not either).
//
// LegacyPartitioner is kafkajs's LegacyPartitioner: the same three rules, but keys hashed with kafkajs's
// legacy murmur2 (murmur2-legacy.ts), so a program that used it keeps its keys on the same partitions.
import { randomInt } from 'node:crypto';
import { murmur2, toPositive } from './murmur2.js';
import { legacyMurmur2 } from './murmur2-legacy.js';

export interface PartitionMetadata {
  partitionId: number;
  /** Broker id of the leader; negative when the partition has none. */
  leader: number;
  [field: string]: unknown;
}

export interface PartitionerMessage {
  key?: Buffer | string | null;
  partition?: number | null;
  [field: string]: unknown;
}

export interface PartitionerArgs {
  topic: string;
  partitionMetadata: PartitionMetadata[];
  message: PartitionerMessage;
}

export type Partitioner = (args: PartitionerArgs) => number;
export type PartitionerFactory = () => Partitioner;

/**
 * The SDK's own partitioners also choose a send's partitions in one call, without an argument object per
 * message: `out[i]` is what the partitioner would return for `messages[i]`, called in order. It stops at the
 * first message it leaves to the per-message call (a `partition` set but not a 32-bit integer, or a topic
 * without partitions) and returns how many it placed.
 */
export interface SendPartitioner extends Partitioner {
  partitionAll(
    topic: string,
    partitionMetadata: PartitionMetadata[],
    messages: PartitionerMessage[],
    out: Int32Array,
  ): number;
}

export interface PartitionerOptions {
  /** First round-robin value for each topic; defaults to a random int32. Tests pass 0. */
  startAt?: () => number;
}

export function createDefaultPartitioner(options: PartitionerOptions = {}): SendPartitioner {
  return createPartitioner(murmur2, options);
}

export function createLegacyPartitioner(options: PartitionerOptions = {}): SendPartitioner {
  return createPartitioner(legacyMurmur2, options);
}

function createPartitioner(hash: (key: Buffer) => number, options: PartitionerOptions): SendPartitioner {
  const startAt = options.startAt ?? (() => randomInt(0, 0x7fffffff));
  // Round-robin position per topic; the last topic's counter is kept at hand (sends usually target one
  // topic, and a Map lookup per record is most of this partitioner's cost).
  const counters = new Map<string, { value: number }>();
  let lastTopic: string | null = null;
  let lastCounter = { value: 0 };
  // The partitions with a leader, per metadata array: computed once per metadata version instead of a
  // filter() allocation per record. The cluster replaces a topic's partition array on every metadata
  // refresh (never mutates it), so the array's identity is its version.
  const availableOf = new WeakMap<PartitionMetadata[], PartitionMetadata[]>();
  let lastMetadata: PartitionMetadata[] | null = null;
  let lastAvailable: PartitionMetadata[] = [];
  const counterOf = (topic: string): { value: number } => {
    let counter = topic === lastTopic ? lastCounter : counters.get(topic);
    if (counter === undefined) counters.set(topic, (counter = { value: startAt() }));
    lastTopic = topic;
    lastCounter = counter;
    return counter;
  };
  const availableIn = (partitionMetadata: PartitionMetadata[]): PartitionMetadata[] => {
    let available = partitionMetadata === lastMetadata ? lastAvailable : availableOf.get(partitionMetadata);
    if (!available) availableOf.set(partitionMetadata, (available = partitionMetadata.filter((p) => p.leader >= 0)));
    lastMetadata = partitionMetadata;
    lastAvailable = available;
    return available;
  };
  const keyed = (key: Buffer | string, numPartitions: number): number =>
    toPositive(hash(typeof key === 'string' ? Buffer.from(key, 'utf8') : key)) % numPartitions;
  const roundRobin = (next: number, partitionMetadata: PartitionMetadata[], available: PartitionMetadata[]): number =>
    available.length > 0
      ? available[toPositive(next) % available.length]!.partitionId
      : partitionMetadata[toPositive(next) % partitionMetadata.length]!.partitionId;
  const partitioner = (({ topic, partitionMetadata, message }: PartitionerArgs): number => {
    if (message.partition !== null && message.partition !== undefined) return message.partition;
    const numPartitions = partitionMetadata.length;
    if (numPartitions === 0) throw new RangeError(`topic ${topic} has no partitions in the metadata`);
    if (message.key !== null && message.key !== undefined) return keyed(message.key, numPartitions);
    const counter = counterOf(topic);
    const next = (counter.value = (counter.value + 1) | 0);
    return roundRobin(next, partitionMetadata, availableIn(partitionMetadata));
  }) as SendPartitioner;
  partitioner.partitionAll = (topic, partitionMetadata, messages, out) => {
    const numPartitions = partitionMetadata.length;
    // The counter lives in a local for the loop and is written back once, as the per-message calls would leave it.
    let counter: { value: number } | null = null;
    let next = 0;
    let available: PartitionMetadata[] = lastAvailable;
    let i = 0;
    try {
      for (; i < messages.length; i++) {
        const message = messages[i]!;
        const { partition, key } = message;
        if (typeof partition === 'number' && (partition | 0) === partition) out[i] = partition;
        else if ((partition !== null && partition !== undefined) || numPartitions === 0) break;
        else if (key !== null && key !== undefined) out[i] = keyed(key, numPartitions);
        else {
          if (counter === null) {
            counter = counterOf(topic);
            next = counter.value;
            available = availableIn(partitionMetadata);
          }
          next = (next + 1) | 0;
          out[i] = roundRobin(next, partitionMetadata, available);
        }
      }
    } finally {
      if (counter !== null) counter.value = next;
    }
    return i;
  };
  return partitioner;
}

export const DefaultPartitioner: PartitionerFactory = () => createDefaultPartitioner();
export const LegacyPartitioner: PartitionerFactory = () => createLegacyPartitioner();

/**
 * kafkajs's names: DefaultPartitioner (murmur2, Java-compatible), JavaCompatiblePartitioner (its old
 * alias) and LegacyPartitioner (kafkajs 1.x's placement of keys).
 */
export const Partitioners = {
  DefaultPartitioner,
  JavaCompatiblePartitioner: DefaultPartitioner,
  LegacyPartitioner,
} as const;
