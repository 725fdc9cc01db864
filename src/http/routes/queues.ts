// Queues: share groups (list, describe per partition, delete, reset the start offset) and dead-letter
// topics (list with counts, peek with the failure headers, requeue as `sluice dlq requeue` does).
import type { ShareGroupDescription } from '../../broker/share/index.js';
import { HttpError } from '../errors.js';
import { requesterOf } from '../auth.js';
import type { QueuesCore } from '../queues-core.js';
import { CLUSTER, clusterParams, offsetSchema, topicParams, type RouteContext } from './context.js';
import { decodeHeaders, decodeValue, parseTimestamp } from './values.js';

type ShareGroupParams = { cluster_id: string; share_group_id: string };
type TopicParams = { cluster_id: string; topic_name: string };

const shareGroupParams = {
  type: 'object',
  required: ['cluster_id', 'share_group_id'],
  properties: {
    cluster_id: { type: 'string', maxLength: 255 },
    share_group_id: { type: 'string', minLength: 1, maxLength: 255 },
  },
} as const;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function describeBody(clusterId: string, g: ShareGroupDescription, now: number) {
  return {
    kind: 'SluiceShareGroup',
    cluster_id: clusterId,
    share_group_id: g.groupId,
    state: g.state,
    config: {
      lock_timeout_ms: g.config.lockTimeoutMs,
      max_attempts: g.config.retry.maxAttempts,
      backoff: g.config.retry.backoff,
      dead_letter_topic: g.config.deadLetterTopic,
    },
    members: g.members.map((m) => ({
      member_id: m.memberId,
      client_id: m.clientId,
      client_host: m.clientHost,
      topics: m.topics,
      max_in_flight: m.maxInFlight,
      held: m.held,
    })),
    partitions: g.partitions.map((p) => ({
      topic_name: p.topic,
      partition_id: p.partition,
      start_offset: p.startOffset,
      log_end_offset: p.logEndOffset,
      available: p.available,
      acquired: p.acquired,
      waiting_for_retry: p.waiting,
      dead_lettering: p.deadLettering,
      delivery_counts: Object.entries(p.deliveryCounts).map(([attempt, records]) => ({
        delivery_count: Number(attempt),
        records,
      })),
      oldest_timestamp: iso(p.oldestTimestamp),
      oldest_age_ms: p.oldestTimestamp === null ? null : Math.max(0, now - p.oldestTimestamp),
    })),
  };
}

export function queueRoutes({ app, core }: RouteContext, queues: QueuesCore): void {
  app.get<{ Params: { cluster_id: string } }>(
    `${CLUSTER}/share-groups`,
    { schema: { tags: ['queues'], summary: 'List share groups', params: clusterParams } },
    async () => ({
      kind: 'SluiceShareGroupList',
      data: queues.shareGroups().map((g) => ({
        kind: 'SluiceShareGroup',
        cluster_id: core.clusterId,
        share_group_id: g.groupId,
        state: g.state,
        members_count: g.members,
      })),
    }),
  );

  app.get<{ Params: ShareGroupParams }>(
    `${CLUSTER}/share-groups/:share_group_id`,
    {
      schema: {
        tags: ['queues'],
        summary:
          'Describe a share group: settings, members, and per partition the records available, acquired, waiting for a retry, their delivery counts and the oldest age',
        params: shareGroupParams,
      },
    },
    async (request) => describeBody(core.clusterId, await queues.shareGroup(request.params.share_group_id), Date.now()),
  );

  app.delete<{ Params: ShareGroupParams }>(
    `${CLUSTER}/share-groups/:share_group_id`,
    {
      schema: {
        tags: ['queues'],
        summary: 'Delete a share group without members, and its state',
        params: shareGroupParams,
      },
    },
    async (request, reply) => {
      await queues.deleteShareGroup(request.params.share_group_id);
      return reply.code(204).send();
    },
  );

  app.post<{
    Params: ShareGroupParams;
    Body: {
      topic_name: string;
      to: 'earliest' | 'latest' | 'timestamp';
      timestamp?: number | string;
      partition_ids?: number[];
    };
  }>(
    `${CLUSTER}/share-groups/:share_group_id/offsets::reset`,
    {
      schema: {
        tags: ['queues'],
        summary:
          "Move a share group's start offset (the group must have no members): records before it count as settled, from it on as never delivered",
        params: shareGroupParams,
        body: {
          type: 'object',
          required: ['topic_name', 'to'],
          properties: {
            topic_name: { type: 'string', minLength: 1, maxLength: 249 },
            to: { type: 'string', enum: ['earliest', 'latest', 'timestamp'] },
            timestamp: { type: ['integer', 'string'] },
            partition_ids: { type: 'array', maxItems: 100000, items: { type: 'integer', minimum: 0 } },
          },
          additionalProperties: false,
        },
      },
    },
    async (request) => {
      const { topic_name, to, timestamp, partition_ids } = request.body;
      let target: { to: 'earliest' | 'latest' } | { to: 'timestamp'; timestamp: number };
      if (to === 'timestamp') {
        const ms = parseTimestamp(timestamp, 'timestamp');
        if (ms === undefined) throw new HttpError(400, 'to "timestamp" needs a timestamp');
        target = { to, timestamp: ms };
      } else target = { to };
      const moved = await queues.resetShareGroup(
        request.params.share_group_id,
        topic_name,
        partition_ids ?? null,
        target,
      );
      return {
        kind: 'SluiceShareGroupStartOffsets',
        share_group_id: request.params.share_group_id,
        topic_name,
        data: moved.map((m) => ({ partition_id: m.partition, start_offset: m.startOffset })),
      };
    },
  );

  app.get<{ Params: { cluster_id: string } }>(
    `${CLUSTER}/dlqs`,
    {
      schema: {
        tags: ['queues'],
        summary:
          'Dead-letter topics (named <topic>.dlq, or holding records with the DLQ headers) with their record counts and how many are not requeued yet',
        params: clusterParams,
      },
    },
    async () => ({
      kind: 'SluiceDeadLetterTopicList',
      data: (await queues.deadLetterTopics()).map((d) => ({
        kind: 'SluiceDeadLetterTopic',
        topic_name: d.topic,
        partitions_count: d.partitions,
        records: d.records,
        not_requeued: d.notRequeued,
      })),
    }),
  );

  app.get<{ Params: TopicParams; Querystring: { partition_id?: number; offset?: number; max_count?: number } }>(
    `${CLUSTER}/dlqs/:topic_name/records`,
    {
      schema: {
        tags: ['queues'],
        summary:
          'Dead letters of a partition from an offset (default: the oldest), with their failure headers read (source, group, attempts, error, time)',
        params: topicParams,
        querystring: {
          type: 'object',
          properties: {
            partition_id: { type: 'integer', minimum: 0, default: 0 },
            offset: offsetSchema,
            max_count: { type: 'integer', minimum: 1, maximum: 500, default: 20 },
          },
          additionalProperties: false,
        },
      },
    },
    async (request) => {
      const { topic_name } = request.params;
      const partition = request.query.partition_id ?? 0;
      const window = await queues.peek(topic_name, partition, request.query.offset, request.query.max_count ?? 20);
      return {
        kind: 'SluiceDeadLetterList',
        topic_name,
        partition_id: partition,
        next_offset: window.nextOffset,
        log_start_offset: window.logStartOffset,
        high_watermark: window.highWatermark,
        data: window.records.map((r) => ({
          partition_id: r.partition,
          offset: r.offset,
          timestamp: new Date(r.timestamp).toISOString(),
          key: decodeValue(r.key, 'auto'),
          value: decodeValue(r.value, 'auto'),
          headers: decodeHeaders(r.headers),
          requeued: r.requeued,
          failure: {
            source_topic: r.failure.sourceTopic,
            source_partition: r.failure.sourcePartition,
            source_offset: r.failure.sourceOffset,
            group: r.failure.group,
            attempts: r.failure.attempts,
            error: r.failure.error,
            time: iso(r.failure.time),
            requeued_from: r.failure.requeuedFrom,
          },
        })),
      };
    },
  );

  app.post<{
    Params: TopicParams;
    Body: { to?: string; filter?: Array<{ name: string; value: string }>; max?: number; dry_run?: boolean };
  }>(
    `${CLUSTER}/dlqs/:topic_name/records::requeue`,
    {
      // No body at all (curl -XPOST …) is a requeue with the defaults.
      preValidation: async (request) => {
        request.body ??= {};
      },
      schema: {
        tags: ['queues'],
        summary:
          "Copy dead letters back to their source topic (or `to`) as new records, attempts starting again; each record is moved once, across the console, this API and `sluice dlq requeue` (progress kept as the group sluice-dlq-requeue's offsets)",
        params: topicParams,
        body: {
          type: 'object',
          properties: {
            to: { type: 'string', minLength: 1, maxLength: 249 },
            filter: {
              type: 'array',
              maxItems: 32,
              items: {
                type: 'object',
                required: ['name', 'value'],
                properties: { name: { type: 'string', minLength: 1 }, value: { type: 'string' } },
                additionalProperties: false,
              },
            },
            max: { type: 'integer', minimum: 1 },
            dry_run: { type: 'boolean', default: false },
          },
          additionalProperties: false,
        },
      },
    },
    async (request) => {
      const { to, filter, max, dry_run } = request.body;
      const result = await queues.requeue(
        request.params.topic_name,
        {
          ...(to !== undefined ? { to } : {}),
          ...(filter ? { filter: filter.map((f) => [f.name, f.value] as const) } : {}),
          ...(max !== undefined ? { max } : {}),
          dryRun: dry_run === true,
        },
        requesterOf(request),
      );
      const t = result.tally;
      return {
        kind: 'SluiceRequeueResult',
        topic_name: request.params.topic_name,
        dry_run: result.dryRun,
        requeued: t.total,
        by_source: [...t.moved].map(([source, m]) => ({
          source_topic: source,
          target_topic: m.target,
          records: m.records,
        })),
        already_requeued: t.alreadyRequeued,
        not_matching: t.notMatching,
        stopped_at_max: max !== undefined && t.total >= max,
        left_without_source: t.noSource,
        left_missing_target: [...t.missingTarget].map(([topic, records]) => ({ topic_name: topic, records })),
        problems: result.problems,
      };
    },
  );
}
