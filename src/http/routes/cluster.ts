// The cluster and its broker (one node), health probes and a metrics summary in JSON.
import { HttpError } from '../errors.js';
import type { MetricsSummary } from '../metrics-summary.js';
import { CLUSTER, clusterParams, type RouteContext } from './context.js';

export function clusterRoutes({ app, core }: RouteContext, summary: () => Promise<MetricsSummary>): void {
  const clusterBody = () => ({
    kind: 'KafkaCluster',
    cluster_id: core.clusterId,
    controller: { broker_id: core.brokerInfo().brokerId },
    brokers_count: 1,
  });

  // Every cluster-scoped route answers 404 for another cluster's id.
  app.addHook('preHandler', async (request) => {
    const params = request.params as { cluster_id?: string } | undefined;
    if (params?.cluster_id !== undefined && params.cluster_id !== core.clusterId) {
      throw new HttpError(404, `cluster "${params.cluster_id}" is not this one (${core.clusterId})`);
    }
  });

  app.get('/healthz', { schema: { tags: ['health'], summary: 'Liveness: the process answers' } }, async () => ({
    status: 'ok',
  }));

  app.get(
    '/readyz',
    { schema: { tags: ['health'], summary: 'Readiness: logs recovered, listeners up, groups loaded' } },
    async (_request, reply) => {
      const ready = !core.stopping && core.groupsReady;
      return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : core.stopping ? 'stopping' : 'starting' });
    },
  );

  app.get('/v3/clusters', { schema: { tags: ['cluster'], summary: 'The cluster (one)' } }, async () => ({
    kind: 'KafkaClusterList',
    data: [clusterBody()],
  }));

  app.get<{ Params: { cluster_id: string } }>(
    CLUSTER,
    { schema: { tags: ['cluster'], summary: 'Describe the cluster', params: clusterParams } },
    async () => clusterBody(),
  );

  const brokerBody = () => {
    const b = core.brokerInfo();
    return {
      kind: 'KafkaBroker',
      cluster_id: core.clusterId,
      broker_id: b.brokerId,
      host: b.host,
      port: b.port,
      version: b.version,
      uptime_ms: b.uptimeMs,
      auto_create_topics: b.autoCreateTopics,
      default_partitions: b.defaultPartitions,
      flush: b.flush,
    };
  };

  app.get<{ Params: { cluster_id: string } }>(
    `${CLUSTER}/brokers`,
    { schema: { tags: ['cluster'], summary: 'List brokers', params: clusterParams } },
    async () => ({ kind: 'KafkaBrokerList', data: [brokerBody()] }),
  );

  app.get<{ Params: { cluster_id: string; broker_id: number } }>(
    `${CLUSTER}/brokers/:broker_id`,
    {
      schema: {
        tags: ['cluster'],
        summary: 'Describe a broker',
        params: {
          type: 'object',
          required: ['cluster_id', 'broker_id'],
          properties: { cluster_id: { type: 'string' }, broker_id: { type: 'integer' } },
        },
      },
    },
    async (request) => {
      if (request.params.broker_id !== core.brokerInfo().brokerId)
        throw new HttpError(404, `broker ${request.params.broker_id} is not in this cluster`);
      return brokerBody();
    },
  );

  app.get(
    '/v3/metrics/summary',
    { schema: { tags: ['metrics'], summary: 'Throughput, storage and connection figures in JSON (for the console)' } },
    async () => summary(),
  );
}
