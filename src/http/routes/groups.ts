// Consumer groups: list, describe with members and assignments, lag per partition, reset offsets (while
// the group is empty, as Kafka's tools require), delete.
import { requesterOf } from '../auth.js';
import type { ResetTarget } from '../core.js';
import { HttpError } from '../errors.js';
import { CLUSTER, clusterParams, groupParams, offsetSchema, type RouteContext } from './context.js';
import { parseTimestamp } from './values.js';

type GroupParams = { cluster_id: string; consumer_group_id: string };

export function groupRoutes({ app, core }: RouteContext): void {
  const groupBody = (id: string) => {
    const g = core.group(id);
    return {
      kind: 'KafkaConsumerGroup',
      cluster_id: core.clusterId,
      consumer_group_id: g.groupId,
      is_simple: g.protocolType === '',
      partition_assignor: g.protocol,
      state: g.state,
      coordinator: { broker_id: 0 },
      members_count: g.members.length,
    };
  };

  app.get<{ Params: { cluster_id: string } }>(
    `${CLUSTER}/consumer-groups`,
    { schema: { tags: ['consumer groups'], summary: 'List consumer groups', params: clusterParams } },
    async () => ({
      kind: 'KafkaConsumerGroupList',
      data: core.groups().map((g) => groupBody(g.groupId)),
    }),
  );

  app.get<{ Params: GroupParams }>(
    `${CLUSTER}/consumer-groups/:consumer_group_id`,
    { schema: { tags: ['consumer groups'], summary: 'Describe a consumer group', params: groupParams } },
    async (request) => groupBody(request.params.consumer_group_id),
  );

  app.get<{ Params: GroupParams }>(
    `${CLUSTER}/consumer-groups/:consumer_group_id/consumers`,
    { schema: { tags: ['consumer groups'], summary: "A group's members and their assignments", params: groupParams } },
    async (request) => {
      const id = request.params.consumer_group_id;
      return {
        kind: 'KafkaConsumerList',
        data: core.group(id).members.map((m) => ({
          kind: 'KafkaConsumer',
          cluster_id: core.clusterId,
          consumer_group_id: id,
          consumer_id: m.memberId,
          instance_id: m.groupInstanceId,
          client_id: m.clientId,
          client_host: m.clientHost,
          assignments: m.assignment.flatMap((a) => a.partitions.map((p) => ({ topic_name: a.topic, partition_id: p }))),
        })),
      };
    },
  );

  app.get<{ Params: GroupParams }>(
    `${CLUSTER}/consumer-groups/:consumer_group_id/lags`,
    {
      schema: {
        tags: ['consumer groups'],
        summary: 'Committed offset, log end and lag per partition',
        params: groupParams,
      },
    },
    async (request) => {
      const id = request.params.consumer_group_id;
      return {
        kind: 'KafkaConsumerLagList',
        data: core.lags(id).map((l) => ({
          kind: 'KafkaConsumerLag',
          cluster_id: core.clusterId,
          consumer_group_id: id,
          topic_name: l.topic,
          partition_id: l.partition,
          current_offset: l.committedOffset,
          log_end_offset: l.logEndOffset,
          lag: l.lag,
          consumer_id: l.memberId,
        })),
      };
    },
  );

  app.post<{
    Params: GroupParams;
    Body: {
      topic_name: string;
      to: ResetTarget['to'];
      offset?: number;
      timestamp?: number | string;
      partition_ids?: number[];
    };
  }>(
    `${CLUSTER}/consumer-groups/:consumer_group_id/offsets::reset`,
    {
      schema: {
        tags: ['consumer groups'],
        summary: 'Move committed offsets (the group must have no active members)',
        params: groupParams,
        body: {
          type: 'object',
          required: ['topic_name', 'to'],
          properties: {
            topic_name: { type: 'string', minLength: 1, maxLength: 249 },
            to: { type: 'string', enum: ['earliest', 'latest', 'offset', 'timestamp'] },
            offset: offsetSchema,
            timestamp: { type: ['integer', 'string'] },
            partition_ids: { type: 'array', maxItems: 100000, items: { type: 'integer', minimum: 0 } },
          },
          additionalProperties: false,
        },
      },
    },
    async (request) => {
      const { topic_name, to, offset, timestamp, partition_ids } = request.body;
      let target: ResetTarget;
      if (to === 'offset') {
        if (offset === undefined) throw new HttpError(400, 'to "offset" needs an offset');
        target = { to, offset };
      } else if (to === 'timestamp') {
        const ms = parseTimestamp(timestamp, 'timestamp');
        if (ms === undefined) throw new HttpError(400, 'to "timestamp" needs a timestamp');
        target = { to, timestamp: ms };
      } else target = { to };
      const id = request.params.consumer_group_id;
      const offsets = await core.resetOffsets(id, topic_name, target, partition_ids, requesterOf(request));
      return {
        kind: 'KafkaConsumerGroupOffsetList',
        data: offsets.map((o) => ({ topic_name, partition_id: o.partition, offset: o.offset })),
      };
    },
  );

  app.delete<{ Params: GroupParams }>(
    `${CLUSTER}/consumer-groups/:consumer_group_id`,
    {
      schema: {
        tags: ['consumer groups'],
        summary: 'Delete an empty group and its committed offsets',
        params: groupParams,
      },
    },
    async (request, reply) => {
      await core.deleteGroup(request.params.consumer_group_id);
      return reply.code(204).send();
    },
  );
}
