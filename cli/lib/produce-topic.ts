// The topic `sluice produce` writes to: its partitions and the largest record batch it accepts, read before
// anything is sent. A missing topic is created only when the first line is ready to go (so empty or refused
// input creates nothing), with the broker's defaults when the broker creates topics on first use (or with
// --create-topic); a topic created that way and left empty because nothing could be stored is deleted again.
import { BATCH_HEADER_SIZE } from '../../storage/format/record-batch.js';
import { CliError } from './errors.js';
import { type AdminClient, BROKER_RESOURCE, partitionsOf, TOPIC_RESOURCE } from './sdk.js';

export interface TopicPlan {
  readonly topic: string;
  /** Partition ids, once the topic exists (empty before a missing topic is created). */
  partitions: number[];
  /** The topic's max.message.bytes (the broker's message.max.bytes for a topic not created yet). */
  readonly maxMessageBytes: number;
  /** Whether the topic existed when the command started. */
  readonly existed: boolean;
}

/** Uncompressed record bytes per batch that keep a batch within max.message.bytes. */
export function batchBudget(maxMessageBytes: number): number {
  return Math.max(1, maxMessageBytes - BATCH_HEADER_SIZE);
}

/**
 * Estimated record bytes of one send of a PartitionSender (and the producer's batchSize): one batch as
 * large as the topic takes, at most 1 MiB (fewer round trips per partition, bounded memory).
 */
export function sendBudget(plan: TopicPlan): number {
  return Math.min(1024 * 1024, batchBudget(plan.maxMessageBytes));
}

/** Whether a record of `recordBytes` (estimateRecordSize) fits in a batch of its own within the topic's limit. */
export function recordFits(plan: TopicPlan, recordBytes: number): boolean {
  return recordBytes + BATCH_HEADER_SIZE <= plan.maxMessageBytes;
}

async function configValue(admin: AdminClient, type: number, name: string, config: string): Promise<string | null> {
  const described = await admin.describeConfigs({
    resources: [{ type, name, configNames: [config] }],
    includeSynonyms: false,
  });
  return described.resources[0]?.configEntries.find((e) => e.configName === config)?.configValue ?? null;
}

export async function planTopic(
  admin: AdminClient,
  topic: string,
  options: { createTopic: boolean; partition?: number },
): Promise<TopicPlan> {
  if ((await admin.listTopics()).includes(topic)) {
    const partitions = await partitionsOf(admin, topic);
    if (options.partition !== undefined) checkPartition(topic, partitions, options.partition);
    const max = Number(await configValue(admin, TOPIC_RESOURCE, topic, 'max.message.bytes'));
    return { topic, partitions, maxMessageBytes: max > 0 ? max : Number.POSITIVE_INFINITY, existed: true };
  }
  const nodeId = String((await admin.describeCluster()).brokers[0]?.nodeId ?? 0);
  const [autoCreate, max] = await Promise.all([
    configValue(admin, BROKER_RESOURCE, nodeId, 'auto.create.topics.enable'),
    configValue(admin, BROKER_RESOURCE, nodeId, 'message.max.bytes'),
  ]);
  if (autoCreate !== 'true' && !options.createTopic) {
    throw new CliError(
      `unknown topic '${topic}': this broker does not create topics on first use (create it with \`sluice topics create ${topic}\`, or pass --create-topic)`,
    );
  }
  const maxMessageBytes = Number(max) > 0 ? Number(max) : Number.POSITIVE_INFINITY;
  return { topic, partitions: [], maxMessageBytes, existed: false };
}

/** Creates a missing topic with the broker's defaults (once the first record is ready); returns its partition count. */
export async function createPlannedTopic(admin: AdminClient, plan: TopicPlan, partition?: number): Promise<number> {
  await admin.createTopics({ topics: [{ topic: plan.topic }], waitForLeaders: true });
  plan.partitions = await partitionsOf(admin, plan.topic);
  if (partition !== undefined) checkPartition(plan.topic, plan.partitions, partition);
  return plan.partitions.length;
}

/** Deletes a topic this command created, if it is still empty (no one else wrote to it meanwhile). */
export async function removeIfEmpty(admin: AdminClient, topic: string): Promise<boolean> {
  // The high watermark: a record of a transaction still open counts.
  const offsets = await admin.fetchTopicOffsets(topic, { isolation: 'read_uncommitted' });
  if (offsets.some((o) => o.high !== '0')) return false;
  await admin.deleteTopics({ topics: [topic] });
  return true;
}

function checkPartition(topic: string, partitions: number[], partition: number): void {
  if (partitions.includes(partition)) return;
  throw new CliError(
    `partition ${partition} does not exist: topic '${topic}' has ${partitions.length} partition${partitions.length === 1 ? '' : 's'} (0..${partitions.length - 1})`,
  );
}
