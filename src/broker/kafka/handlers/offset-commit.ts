// OffsetCommit (v0-7): committed offsets go to the coordinator's store (__consumer_offsets), the same for
// both doors: lag, `sluice groups describe` and retention do not care which door wrote them.
// generationId -1 with an empty member id is a standalone commit (admin tools, kafkajs setOffsets).
//
// Kafka stores whatever offset it is sent; kafkajs's admin.resetOffsets commits the logical offsets -1
// (latest) and -2 (earliest), which a consumer then reads as "no committed offset" and starts wherever its
// own reset policy says. Sluice stores offsets >= 0 only, so those two are resolved here to the
// partition's high watermark and log start: the group then resumes where the reset said.
import { LATEST_TIMESTAMP, EARLIEST_TIMESTAMP } from '../../../protocol/index.js';
import { OffsetCommit } from '../../../protocol/kafka/index.js';
import type { BrokerContext } from '../../handlers/types.js';
import { highWatermark } from '../../high-watermark.js';
import { groupErrorCode } from '../../handlers/domain-errors.js';
import { kafkaHandler } from '../handler.js';
import { groupsFor } from '../../security/acl/groups.js';

function resolveLogical(broker: BrokerContext, topic: string, partition: number, offset: number): number {
  if (offset !== LATEST_TIMESTAMP && offset !== EARLIEST_TIMESTAMP) return offset;
  const log = broker.topics.log(topic, partition);
  if (!log) return offset;
  return offset === LATEST_TIMESTAMP ? highWatermark(log) : log.logStartOffset;
}

export const kafkaOffsetCommitHandler = kafkaHandler(OffsetCommit, async (request, broker, ctx) => {
  const committed = await groupsFor(broker, ctx).commitOffsets({
    groupId: request.groupId,
    generationId: request.generationIdOrMemberEpoch,
    memberId: request.memberId,
    groupInstanceId: request.groupInstanceId,
    topics: request.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({
        partition: p.partitionIndex,
        offset: resolveLogical(broker, t.name, p.partitionIndex, p.committedOffset),
        leaderEpoch: p.committedLeaderEpoch,
        metadata: p.committedMetadata,
      })),
    })),
  });
  return {
    throttleTimeMs: 0,
    topics: committed.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({ partitionIndex: p.partition, errorCode: groupErrorCode(p.error) })),
    })),
  };
});
