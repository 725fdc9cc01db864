// admin.deleteTopicRecords({ topic, partitions: [{ partition, offset }] }), kafkajs's semantics: every record
// below `offset` is deleted ('-1': everything up to the high watermark). Requests go to each partition's
// leader (DeleteRecords); partitions that fail are gathered into one KafkaJSDeleteTopicRecordsError naming
// each with its error, and only those are retried (when every one of their errors is retriable).
import { DeleteRecordsApi } from '../protocol/apis/delete-records.js';
import { ErrorCode } from '../protocol/errors.js';
import type { SeekEntry } from './admin-types.js';
import { type Cluster, STALE_METADATA_CODES } from './cluster.js';
import {
  type DeleteTopicRecordsPartitionError,
  KafkaJSBrokerNotFound,
  KafkaJSDeleteTopicRecordsError,
  SluiceNonRetriableError,
  SluiceProtocolError,
} from './errors.js';
import type { Logger } from './logger.js';

type Run = <T>(fn: () => Promise<T>) => Promise<T>;

export async function deleteTopicRecords(
  cluster: Cluster,
  run: Run,
  logger: Logger,
  options: { topic: string; partitions: SeekEntry[] },
): Promise<void> {
  const { topic, partitions } = options ?? ({} as typeof options);
  if (!topic || typeof topic !== 'string') throw new SluiceNonRetriableError(`Invalid topic "${topic}"`);
  if (!Array.isArray(partitions) || partitions.length === 0)
    throw new SluiceNonRetriableError('Invalid partitions: give [{ partition, offset }, …]');
  const wanted = new Map<number, { offset: number; given: string }>();
  for (const entry of partitions) {
    const offset = Number(entry?.offset);
    if (!Number.isInteger(entry?.partition) || entry.partition < 0 || !Number.isSafeInteger(offset) || offset < -1) {
      throw new SluiceNonRetriableError(
        `Invalid partition entry ${JSON.stringify(entry)}: expected { partition: integer ≥ 0, offset: '-1' or an offset }`,
      );
    }
    wanted.set(entry.partition, { offset, given: String(entry.offset) });
  }

  let pending = [...wanted.keys()];
  await run(async () => {
    await cluster.addTargetTopics([topic]);
    const known = new Set(cluster.topicMetadata(topic)!.partitions.map((p) => p.partitionId));
    const missing = pending.filter((p) => !known.has(p));
    if (missing.length > 0) {
      throw new KafkaJSDeleteTopicRecordsError({
        topic,
        partitions: missing.map((partition) => ({
          partition,
          offset: wanted.get(partition)!.given,
          error: new KafkaJSBrokerNotFound(`Could not find the leader for partition ${partition} of ${topic}`, {
            retriable: false,
          }),
        })),
      });
    }
    const failed: DeleteTopicRecordsPartitionError[] = [];
    const byLeader = cluster.partitionsByLeader([{ topic, partitions: pending }]);
    await Promise.all(
      [...byLeader].map(async ([nodeId, byTopic]) => {
        const leaderPartitions = byTopic.get(topic)!;
        const connection = await cluster.nodeConnection(nodeId);
        const response = await connection.send(DeleteRecordsApi, {
          topics: [
            { name: topic, partitions: leaderPartitions.map((p) => ({ partition: p, offset: wanted.get(p)!.offset })) },
          ],
          timeoutMs: 30_000,
        });
        for (const result of response.topics.flatMap((t) => t.partitions)) {
          const asked = wanted.get(result.partition)!;
          if (result.errorCode === ErrorCode.NONE) {
            if (asked.offset !== -1 && result.lowWatermark > asked.offset) {
              logger.warn(
                'The requested offset is before the earliest offset maintained on the partition - no records were deleted from this partition',
                { topic, partition: result.partition, offset: asked.given, lowWatermark: result.lowWatermark },
              );
            }
            continue;
          }
          if (STALE_METADATA_CODES.has(result.errorCode)) cluster.markStale();
          failed.push({
            partition: result.partition,
            offset: asked.given,
            error: new SluiceProtocolError(result.errorCode, result.errorMessage ?? undefined),
          });
        }
      }),
    );
    pending = failed.map((f) => f.partition);
    if (failed.length > 0) throw new KafkaJSDeleteTopicRecordsError({ topic, partitions: failed });
  });
}
