// THE SEAM FOR CONSUMER GROUPS. The consumer never decides by itself which partitions it reads or
// where progress is stored; it asks two pluggable objects:
//
//   PartitionAssignmentSource — which topic-partitions this consumer owns right now. This release ships
//     StaticAssignmentSource (subscribe() without a group = every partition of the topics; assign() =
//     the listed ones). Group membership (join/sync/heartbeat) implements the same interface: start()
//     joins and returns the first assignment, onChange() reports rebalances, heartbeat() keeps the
//     member alive (called from payload.heartbeat() and between batches), isStale() tells a running
//     eachBatch its assignment was revoked, stop() leaves the group.
//
//   OffsetCommitter — where a newly assigned partition starts (its committed offset, or null to use the
//     reset policy: seek() > fromBeginning > latest) and where consumed offsets go. NoOffsetCommitter
//     stores nothing; the group implementation commits with OffsetCommit/OffsetFetch.
//
// Offsets passed to commit() are "next offset to consume" (Kafka's convention), as decimal strings. The two
// interfaces are public shapes (types.ts); this file holds the defaults.
//
// committed() may throw RejoinAsked: the source asked, while it waited (a group waiting for stable offsets),
// for a rebalance. The consumer then starts its first assignment with nothing, or hands the error back to the
// source from its onChange() listener, as it is, instead of crashing: the source joins again and calls the
// listener with what it gets.
import type { AssignmentContext, OffsetCommitter, PartitionAssignmentSource, TopicPartitions } from './types.js';
import { SluiceNonRetriableError } from '../errors.js';
import { topicPartitionKey } from '../topic-partition.js';

/** committed() given up because the source is about to rebalance (not retried). */
export class RejoinAsked extends SluiceNonRetriableError {}

/** No group: subscribe() = every partition of the subscribed topics; assign() = exactly the list given. */
export class StaticAssignmentSource implements PartitionAssignmentSource {
  constructor(private readonly explicit: TopicPartitions[] | null = null) {}

  async start(context: AssignmentContext): Promise<TopicPartitions[]> {
    if (this.explicit) {
      await context.cluster.addTargetTopics(this.explicit.map((a) => a.topic));
      return this.explicit.map((a) => ({ topic: a.topic, partitions: [...a.partitions] }));
    }
    await context.cluster.addTargetTopics(context.subscribedTopics);
    return context.subscribedTopics.map((topic) => ({
      topic,
      partitions: context.cluster.topicMetadata(topic)!.partitions.map((p) => p.partitionId),
    }));
  }

  onChange(): void {}

  async heartbeat(): Promise<void> {}

  isStale(): boolean {
    return false;
  }

  async stop(): Promise<void> {}
}

export class NoOffsetCommitter implements OffsetCommitter {
  async committed(assignment: TopicPartitions[]): Promise<Map<string, number | null>> {
    const out = new Map<string, number | null>();
    for (const { topic, partitions } of assignment)
      for (const p of partitions) out.set(topicPartitionKey(topic, p), null);
    return out;
  }

  async commit(): Promise<void> {}
}
