// What every route module is given.
import type { FastifyInstance } from 'fastify';
import type { HttpCore } from '../core.js';
import type { HttpConfig } from '../options.js';

export interface RouteContext {
  app: FastifyInstance;
  core: HttpCore;
  config: HttpConfig;
}

/** Path prefix of the cluster-scoped resources (Confluent REST Proxy v3). */
export const CLUSTER = '/v3/clusters/:cluster_id';

export const clusterParams = {
  type: 'object',
  required: ['cluster_id'],
  properties: { cluster_id: { type: 'string', maxLength: 255 } },
} as const;

export const topicParams = {
  type: 'object',
  required: ['cluster_id', 'topic_name'],
  properties: {
    cluster_id: { type: 'string', maxLength: 255 },
    topic_name: { type: 'string', minLength: 1, maxLength: 249 },
  },
} as const;

/**
 * An offset in a query or body: JSON numbers past 2^53 - 1 lose their last digits when parsed (a request for
 * offset 9007199254740993 would read from ...992), so they are refused rather than rounded.
 */
export const offsetSchema = { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER } as const;

export const partitionParams = {
  type: 'object',
  required: ['cluster_id', 'topic_name', 'partition_id'],
  properties: {
    cluster_id: { type: 'string', maxLength: 255 },
    topic_name: { type: 'string', minLength: 1, maxLength: 249 },
    partition_id: { type: 'integer', minimum: 0 },
  },
} as const;

export const groupParams = {
  type: 'object',
  required: ['cluster_id', 'consumer_group_id'],
  properties: {
    cluster_id: { type: 'string', maxLength: 255 },
    consumer_group_id: { type: 'string', minLength: 1, maxLength: 255 },
  },
} as const;
