// Topics, partitions and topic configs (Confluent REST Proxy v3 shapes; partitions carry Sluice's offsets,
// sizes and segment counts too).
import { requesterOf } from '../auth.js';
import type { ConfigEntry } from '../../protocol/index.js';
import type { PartitionInfo, TopicInfo } from '../core.js';
import { HttpError } from '../errors.js';
import { CLUSTER, partitionParams, topicParams, clusterParams, type RouteContext } from './context.js';

function topicBody(clusterId: string, t: TopicInfo) {
  return {
    kind: 'KafkaTopic',
    cluster_id: clusterId,
    topic_name: t.name,
    is_internal: t.internal,
    replication_factor: 1,
    partitions_count: t.partitions,
    size_bytes: t.sizeBytes,
    records: t.records,
  };
}

function partitionBody(clusterId: string, topic: string, p: PartitionInfo) {
  return {
    kind: 'KafkaPartition',
    cluster_id: clusterId,
    topic_name: topic,
    partition_id: p.partition,
    leader: { broker_id: 0 },
    log_start_offset: p.logStartOffset,
    high_watermark: p.highWatermark,
    log_end_offset: p.logEndOffset,
    size_bytes: p.sizeBytes,
    segments: p.segments,
  };
}

function configBody(clusterId: string, topic: string, c: ConfigEntry) {
  return {
    kind: 'KafkaTopicConfig',
    cluster_id: clusterId,
    topic_name: topic,
    name: c.name,
    value: c.value,
    is_default: c.isDefault,
    is_read_only: c.readOnly,
    is_sensitive: c.isSensitive,
    source: c.source,
  };
}

const configsInput = {
  type: 'array',
  maxItems: 1000,
  items: {
    type: 'object',
    required: ['name'],
    properties: { name: { type: 'string', minLength: 1, maxLength: 255 }, value: { type: ['string', 'null'] } },
    additionalProperties: false,
  },
} as const;

export function topicRoutes({ app, core }: RouteContext): void {
  app.get<{ Params: { cluster_id: string } }>(
    `${CLUSTER}/topics`,
    { schema: { tags: ['topics'], summary: 'List topics', params: clusterParams } },
    async () => ({ kind: 'KafkaTopicList', data: core.topics().map((t) => topicBody(core.clusterId, t)) }),
  );

  app.post<{
    Params: { cluster_id: string };
    Body: {
      topic_name: string;
      partitions_count?: number;
      replication_factor?: number;
      configs?: Array<{ name: string; value?: string | null }>;
      validate_only?: boolean;
    };
  }>(
    `${CLUSTER}/topics`,
    {
      schema: {
        tags: ['topics'],
        summary: 'Create a topic',
        params: clusterParams,
        body: {
          type: 'object',
          required: ['topic_name'],
          properties: {
            topic_name: { type: 'string', minLength: 1, maxLength: 249 },
            partitions_count: { type: 'integer', minimum: 1, maximum: 100000 },
            // -1: the broker's default; above 1 only in cluster mode (CreateTopics answers why not otherwise).
            replication_factor: { type: 'integer', minimum: -1, maximum: 32767, not: { const: 0 } },
            configs: configsInput,
            validate_only: { type: 'boolean' },
          },
          additionalProperties: false,
        },
      },
    },
    async (request, reply) => {
      const { topic_name, partitions_count, replication_factor, configs, validate_only } = request.body;
      const overrides: Record<string, string> = {};
      for (const c of configs ?? []) if (c.value !== null && c.value !== undefined) overrides[c.name] = c.value;
      const topic = await core.createTopic(
        topic_name,
        partitions_count ?? -1,
        replication_factor ?? -1,
        overrides,
        validate_only ?? false,
        requesterOf(request),
      );
      return reply.code(validate_only ? 200 : 201).send(topicBody(core.clusterId, topic));
    },
  );

  app.get<{ Params: { cluster_id: string; topic_name: string } }>(
    `${CLUSTER}/topics/:topic_name`,
    { schema: { tags: ['topics'], summary: 'Describe a topic', params: topicParams } },
    async (request) => topicBody(core.clusterId, core.topic(request.params.topic_name)),
  );

  app.delete<{ Params: { cluster_id: string; topic_name: string } }>(
    `${CLUSTER}/topics/:topic_name`,
    { schema: { tags: ['topics'], summary: 'Delete a topic and all its records', params: topicParams } },
    async (request, reply) => {
      await core.deleteTopic(request.params.topic_name, requesterOf(request));
      return reply.code(204).send();
    },
  );

  app.get<{ Params: { cluster_id: string; topic_name: string } }>(
    `${CLUSTER}/topics/:topic_name/partitions`,
    { schema: { tags: ['topics'], summary: 'List partitions with offsets, sizes and segments', params: topicParams } },
    async (request) => {
      const topic = request.params.topic_name;
      return {
        kind: 'KafkaPartitionList',
        data: core.partitions(topic).map((p) => partitionBody(core.clusterId, topic, p)),
      };
    },
  );

  app.get<{ Params: { cluster_id: string; topic_name: string; partition_id: number } }>(
    `${CLUSTER}/topics/:topic_name/partitions/:partition_id`,
    { schema: { tags: ['topics'], summary: 'Describe a partition', params: partitionParams } },
    async (request) => {
      const { topic_name, partition_id } = request.params;
      return partitionBody(core.clusterId, topic_name, core.partition(topic_name, partition_id));
    },
  );

  app.get<{ Params: { cluster_id: string; topic_name: string } }>(
    `${CLUSTER}/topics/:topic_name/configs`,
    { schema: { tags: ['topics'], summary: "A topic's effective configs", params: topicParams } },
    async (request) => {
      const topic = request.params.topic_name;
      return {
        kind: 'KafkaTopicConfigList',
        data: core.topicConfigs(topic).map((c) => configBody(core.clusterId, topic, c)),
      };
    },
  );

  app.get<{ Params: { cluster_id: string; topic_name: string; name: string } }>(
    `${CLUSTER}/topics/:topic_name/configs/:name`,
    {
      schema: {
        tags: ['topics'],
        summary: 'One topic config',
        params: {
          ...topicParams,
          required: [...topicParams.required, 'name'],
          properties: { ...topicParams.properties, name: { type: 'string', maxLength: 255 } },
        },
      },
    },
    async (request) => {
      const { topic_name, name } = request.params;
      const [entry] = core.topicConfigs(topic_name, [name]);
      if (!entry) throw new HttpError(404, `topic config "${name}" does not exist`);
      return configBody(core.clusterId, topic_name, entry);
    },
  );

  app.post<{
    Params: { cluster_id: string; topic_name: string };
    Body: {
      data: Array<{ name: string; value?: string | null; operation?: 'SET' | 'DELETE' }>;
      validate_only?: boolean;
    };
  }>(
    `${CLUSTER}/topics/:topic_name/configs::alter`,
    {
      schema: {
        tags: ['topics'],
        summary: 'Set or delete (revert to inherited) several topic configs at once',
        params: topicParams,
        body: {
          type: 'object',
          required: ['data'],
          properties: {
            data: {
              type: 'array',
              minItems: 1,
              maxItems: 1000,
              items: {
                type: 'object',
                required: ['name'],
                properties: {
                  name: { type: 'string', minLength: 1, maxLength: 255 },
                  value: { type: ['string', 'null'] },
                  operation: { type: 'string', enum: ['SET', 'DELETE'] },
                },
                additionalProperties: false,
              },
            },
            validate_only: { type: 'boolean' },
          },
          additionalProperties: false,
        },
      },
    },
    async (request, reply) => {
      const changes: Record<string, string | null> = {};
      for (const c of request.body.data) {
        changes[c.name] = c.operation === 'DELETE' || c.value === null || c.value === undefined ? null : c.value;
      }
      await core.alterTopicConfigs(
        request.params.topic_name,
        changes,
        request.body.validate_only ?? false,
        requesterOf(request),
      );
      return reply.code(204).send();
    },
  );
}
