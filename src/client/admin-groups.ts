// The admin client's consumer-group calls, kafkajs's names and shapes (Admin delegates to this class):
//   listGroups()                          { groups: [{ groupId, protocolType }] }
//   describeGroups(groupIds)              { groups: [{ errorCode, groupId, members, protocol, protocolType, state }] }
//   fetchOffsets({ groupId, topics? })    [{ topic, partitions: [{ partition, offset, metadata, logEndOffset, lag }] }]
//                                         (Sluice adds logEndOffset and lag; `topic` instead of `topics`
//                                         returns the old flat kafkajs 1.x shape for that one topic)
//   setOffsets({ groupId, topic, partitions })     the group must have no active members
//   resetOffsets({ groupId, topic, earliest })     to the log start (earliest) or end (default)
//   deleteGroups(groupIds)                [{ groupId, errorCode }]; throws SluiceDeleteGroupsError if any failed
//   fetchGroupLag({ groupId, topics? })   Sluice: per-partition lag and the group's total
import {
  DeleteGroupsApi,
  DescribeGroupsApi,
  FindCoordinatorApi,
  ListGroupsApi,
  OffsetCommitApi,
  OffsetFetchApi,
  type OffsetFetchResponse,
} from '../protocol/index.js';
import { errorInfo } from '../protocol/errors.js';
import type { Cluster } from './cluster.js';
import type { Connection } from './connection.js';
import type { ConsumerGroupState } from './kafkajs-types.js';
import { SluiceDeleteGroupsError, SluiceNonRetriableError, SluiceProtocolError } from './errors.js';
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, listOffsets } from './list-offsets.js';
import { topicPartitionKey } from './topic-partition.js';

export interface GroupOffsetPartition {
  partition: number;
  /** Committed next offset, '-1' when none. */
  offset: string;
  metadata: string | null;
  /** Sluice: the partition's log end offset. */
  logEndOffset: string;
  /** Sluice: log end − committed; null when nothing is committed, or in cluster mode when the coordinator does not lead the partition (lag unknown there). */
  lag: number | null;
}

export interface GroupDescriptionResult {
  errorCode: number;
  groupId: string;
  members: Array<{
    memberId: string;
    groupInstanceId: string | null;
    clientId: string;
    clientHost: string;
    memberMetadata: Buffer;
    memberAssignment: Buffer;
  }>;
  protocol: string;
  protocolType: string;
  /** Kafka's group states, as the broker names them. */
  state: ConsumerGroupState;
}

type Run = <T>(fn: () => Promise<T>) => Promise<T>;

export class AdminGroups {
  constructor(
    private readonly cluster: Cluster,
    private readonly run: Run,
  ) {}

  listGroups(): Promise<{ groups: Array<{ groupId: string; protocolType: string }> }> {
    return this.run(async () => {
      const r = await (await this.cluster.anyConnection()).send(ListGroupsApi, { statesFilter: null });
      if (r.errorCode !== 0) throw new SluiceProtocolError(r.errorCode);
      return { groups: r.groups.map((g) => ({ groupId: g.groupId, protocolType: g.protocolType })) };
    });
  }

  describeGroups(groupIds: string[]): Promise<{ groups: GroupDescriptionResult[] }> {
    return this.run(async () => {
      const r = await (await this.coordinator(groupIds[0] ?? '')).send(DescribeGroupsApi, { groups: groupIds });
      return {
        groups: r.groups.map((g) => ({
          errorCode: g.errorCode,
          groupId: g.groupId,
          members: g.members.map((m) => ({ ...m })),
          protocol: g.protocolData,
          protocolType: g.protocolType,
          state: g.groupState as ConsumerGroupState,
        })),
      };
    });
  }

  async fetchOffsets(options: {
    groupId: string;
    topics?: string[];
    topic?: string;
    resolveOffsets?: boolean;
  }): Promise<any> {
    const { groupId, topic, resolveOffsets = false } = options;
    const topics = topic !== undefined ? [topic] : options.topics;
    const response = await this.run(async () => {
      const request = topics
        ? await Promise.all(topics.map(async (name) => ({ name, partitions: await this.partitionsOf(name) })))
        : null;
      const r = await (await this.coordinator(groupId)).send(OffsetFetchApi, {
        groupId,
        topics: request,
        requireStable: false,
      });
      if (r.errorCode !== 0) throw new SluiceProtocolError(r.errorCode, r.errorMessage ?? undefined);
      return r;
    });
    const result = response.topics.map((t) => ({
      topic: t.name,
      partitions: t.partitions.map((p) => toPartition(p, resolveOffsets)),
    }));
    return topic !== undefined ? (result[0]?.partitions ?? []) : result;
  }

  async setOffsets(options: {
    groupId: string;
    topic: string;
    /** Sluice: `metadata` is stored with the offset (as a consumer's commit does); null by default. */
    partitions: Array<{ partition: number; offset: string; metadata?: string | null }>;
  }): Promise<void> {
    const { groupId, topic, partitions } = options;
    await this.commitStandalone(
      groupId,
      topic,
      partitions.map((p) => ({ partition: p.partition, offset: Number(p.offset), metadata: p.metadata ?? null })),
    );
  }

  async resetOffsets(options: { groupId: string; topic: string; earliest?: boolean }): Promise<void> {
    const { groupId, topic, earliest = false } = options;
    const timestamp = earliest ? EARLIEST_TIMESTAMP : LATEST_TIMESTAMP;
    const offsets = await this.run(async () => {
      const partitions = await this.partitionsOf(topic);
      const found = await listOffsets(
        this.cluster,
        partitions.map((partition) => ({ topic, partition, timestamp })),
      );
      return partitions.map((partition) => ({ partition, offset: found.get(topicPartitionKey(topic, partition))! }));
    });
    await this.commitStandalone(groupId, topic, offsets);
  }

  async deleteGroups(groupIds: string[]): Promise<Array<{ groupId: string; errorCode: number }>> {
    const r = await this.run(async () =>
      (await this.coordinator(groupIds[0] ?? '')).send(DeleteGroupsApi, { groups: groupIds }),
    );
    const results = r.results.map((x) => ({ groupId: x.groupId, errorCode: x.errorCode }));
    const failed = r.results.filter((x) => x.errorCode !== 0);
    if (failed.length > 0) {
      throw new SluiceDeleteGroupsError(
        failed.map((x) => ({
          groupId: x.groupId,
          errorCode: x.errorCode,
          error: new SluiceProtocolError(x.errorCode, x.errorMessage ?? undefined),
        })),
      );
    }
    return results;
  }

  /** Sluice: lag per partition (log end − committed) and the total over partitions with a commit. */
  async fetchGroupLag(options: { groupId: string; topics?: string[] }): Promise<{
    groupId: string;
    totalLag: number;
    topics: Array<{ topic: string; partitions: GroupOffsetPartition[] }>;
  }> {
    const topics = (await this.fetchOffsets({ groupId: options.groupId, topics: options.topics })) as Array<{
      topic: string;
      partitions: GroupOffsetPartition[];
    }>;
    const totalLag = topics.reduce((n, t) => n + t.partitions.reduce((m, p) => m + (p.lag ?? 0), 0), 0);
    return { groupId: options.groupId, totalLag, topics };
  }

  private async commitStandalone(
    groupId: string,
    topic: string,
    partitions: Array<{ partition: number; offset: number; metadata?: string | null }>,
  ): Promise<void> {
    for (const p of partitions) {
      if (!Number.isSafeInteger(p.offset) || p.offset < 0)
        throw new SluiceNonRetriableError(
          `offset ${p.offset} of ${topic}-${p.partition} must be a non-negative integer`,
        );
    }
    const r = await this.run(async () =>
      (await this.coordinator(groupId)).send(OffsetCommitApi, {
        groupId,
        generationId: -1,
        memberId: '',
        groupInstanceId: null,
        topics: [
          {
            name: topic,
            partitions: partitions.map((p) => ({
              partition: p.partition,
              offset: p.offset,
              leaderEpoch: -1,
              metadata: p.metadata ?? null,
            })),
          },
        ],
      }),
    );
    const failed = r.topics.flatMap((t) => t.partitions).find((p) => p.errorCode !== 0);
    if (failed) {
      const hint =
        errorInfo(failed.errorCode).name === 'UNKNOWN_MEMBER_ID'
          ? ` (offsets of group '${groupId}' can only be set while it has no active members)`
          : '';
      throw new SluiceProtocolError(
        failed.errorCode,
        `${failed.errorMessage ?? errorInfo(failed.errorCode).message}${hint}`,
      );
    }
  }

  private async coordinator(groupId: string): Promise<Connection> {
    const any = await this.cluster.anyConnection();
    const r = await any.send(FindCoordinatorApi, { key: groupId, keyType: 0 });
    if (r.errorCode !== 0) throw new SluiceProtocolError(r.errorCode, r.errorMessage ?? undefined);
    if (r.host === '0.0.0.0' || r.host === '::' || `${r.host}:${r.port}` === any.broker) return any;
    return this.cluster.connectionTo({ host: r.host, port: r.port });
  }

  private async partitionsOf(topic: string): Promise<number[]> {
    await this.cluster.addTargetTopics([topic]);
    return this.cluster.topicMetadata(topic)!.partitions.map((p) => p.partitionId);
  }
}

function toPartition(
  p: OffsetFetchResponse['topics'][number]['partitions'][number],
  resolveOffsets: boolean,
): GroupOffsetPartition {
  const offset = resolveOffsets && p.offset < 0 && p.logEndOffset >= 0 ? p.logEndOffset : p.offset;
  return {
    partition: p.partition,
    offset: String(offset),
    metadata: p.metadata,
    logEndOffset: String(p.logEndOffset),
    lag: p.offset >= 0 && p.lag >= 0 ? p.lag : null,
  };
}
