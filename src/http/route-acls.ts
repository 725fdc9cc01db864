// What each HTTP route touches, in ACL terms: the same resources and operations the binary protocols'
// handlers check for the same work (Metadata → Describe, CreateTopics → Create on the cluster or the topic,
// Produce → Write, Fetch → Read, OffsetFetch → Describe on group and topic, AlterConsumerGroupOffsets →
// Read on group and topic, DeleteGroups → Delete, DescribeConfigs/AlterConfigs, cluster Describe for the
// broker-wide figures). A route absent from this table is denied to everyone but super users (auth.ts).
import type { Operation, ResourceType } from '../broker/security/acl/types.js';
import { CLUSTER_NAME } from '../broker/security/acl/types.js';
import { ACTIVITY_TOPIC } from '../broker/activity/activity-log.js';
import { REQUEUE_GROUP } from '../client/share/dead-letters.js';
import { CLUSTER } from './routes/context.js';

export interface AclCheck {
  readonly operation: Operation;
  readonly type: ResourceType;
  readonly name: string;
}

/** Alternatives: the request is allowed when every check of one inner list passes. */
export type AclRule = (params: Record<string, string>, body: unknown) => AclCheck[][];

/** HEAD routes are GET's (fastify adds them): one entry serves both. */
export function routeKey(method: string, url: string | undefined): string {
  return `${method === 'HEAD' ? 'GET' : method} ${url ?? ''}`;
}

const topic = (operation: Operation, name: string): AclCheck => ({ operation, type: 'topic', name });
const group = (operation: Operation, name: string): AclCheck => ({ operation, type: 'group', name });
const cluster = (operation: Operation): AclCheck => ({ operation, type: 'cluster', name: CLUSTER_NAME });

/** Routes that serve no broker data: the probes, and static files of the console, the docs and /ws/client.js. */
const PUBLIC = [
  'GET /healthz',
  'GET /readyz',
  'GET /',
  'GET /console/*',
  'GET /console/vendor/:name',
  'GET /ws/client.js',
  'GET /openapi.json',
];
export const PUBLIC_ROUTES: ReadonlySet<string> = new Set(PUBLIC);

/** Swagger UI's routes (/docs, its static files and its copy of the OpenAPI document). */
export function isPublicRoute(key: string): boolean {
  return PUBLIC_ROUTES.has(key) || key === 'GET /docs' || key.startsWith('GET /docs/');
}

const bodyTopic = (body: unknown): string => String((body as { topic_name?: unknown } | null)?.topic_name ?? '');

export const ROUTE_ACLS: ReadonlyMap<string, AclRule> = new Map<string, AclRule>([
  // Every authenticated principal may see the cluster and its broker (Kafka's Metadata shows brokers to all).
  ['GET /v3/clusters', () => [[]]],
  [`GET ${CLUSTER}`, () => [[]]],
  [`GET ${CLUSTER}/brokers`, () => [[]]],
  [`GET ${CLUSTER}/brokers/:broker_id`, () => [[]]],
  ['GET /v3/metrics/summary', () => [[cluster('Describe')]]],
  ['GET /metrics', () => [[cluster('Describe')]]],
  // Listed topics are filtered by Describe (listFilters).
  [`GET ${CLUSTER}/topics`, () => [[]]],
  [`POST ${CLUSTER}/topics`, (_p, body) => [[cluster('Create')], [topic('Create', bodyTopic(body))]]],
  [`GET ${CLUSTER}/topics/:topic_name`, (p) => [[topic('Describe', p.topic_name!)]]],
  [`DELETE ${CLUSTER}/topics/:topic_name`, (p) => [[topic('Delete', p.topic_name!)]]],
  [`GET ${CLUSTER}/topics/:topic_name/partitions`, (p) => [[topic('Describe', p.topic_name!)]]],
  [`GET ${CLUSTER}/topics/:topic_name/partitions/:partition_id`, (p) => [[topic('Describe', p.topic_name!)]]],
  [`GET ${CLUSTER}/topics/:topic_name/configs`, (p) => [[topic('DescribeConfigs', p.topic_name!)]]],
  [`GET ${CLUSTER}/topics/:topic_name/configs/:name`, (p) => [[topic('DescribeConfigs', p.topic_name!)]]],
  [`POST ${CLUSTER}/topics/:topic_name/configs::alter`, (p) => [[topic('AlterConfigs', p.topic_name!)]]],
  [`POST ${CLUSTER}/topics/:topic_name/records`, (p) => [[topic('Write', p.topic_name!)]]],
  [`POST ${CLUSTER}/topics/:topic_name/records::batch`, (p) => [[topic('Write', p.topic_name!)]]],
  [`GET ${CLUSTER}/topics/:topic_name/partitions/:partition_id/records`, (p) => [[topic('Read', p.topic_name!)]]],
  // Listed groups are filtered by Describe (listFilters).
  [`GET ${CLUSTER}/consumer-groups`, () => [[]]],
  [`GET ${CLUSTER}/consumer-groups/:consumer_group_id`, (p) => [[group('Describe', p.consumer_group_id!)]]],
  [`GET ${CLUSTER}/consumer-groups/:consumer_group_id/consumers`, (p) => [[group('Describe', p.consumer_group_id!)]]],
  [`GET ${CLUSTER}/consumer-groups/:consumer_group_id/lags`, (p) => [[group('Describe', p.consumer_group_id!)]]],
  [
    `POST ${CLUSTER}/consumer-groups/:consumer_group_id/offsets::reset`,
    (p, body) => [[group('Read', p.consumer_group_id!), topic('Read', bodyTopic(body))]],
  ],
  [`DELETE ${CLUSTER}/consumer-groups/:consumer_group_id`, (p) => [[group('Delete', p.consumer_group_id!)]]],
  // Share groups are groups in ACL terms (as in Kafka); listed ones are filtered by Describe (listFilters).
  [`GET ${CLUSTER}/share-groups`, () => [[]]],
  [`GET ${CLUSTER}/share-groups/:share_group_id`, (p) => [[group('Describe', p.share_group_id!)]]],
  [`DELETE ${CLUSTER}/share-groups/:share_group_id`, (p) => [[group('Delete', p.share_group_id!)]]],
  [
    `POST ${CLUSTER}/share-groups/:share_group_id/offsets::reset`,
    (p, body) => [[group('Read', p.share_group_id!), topic('Read', bodyTopic(body))]],
  ],
  // Dead-letter topics are topics; listed ones are filtered by Describe (listFilters).
  [`GET ${CLUSTER}/dlqs`, () => [[]]],
  [`GET ${CLUSTER}/dlqs/:topic_name/records`, (p) => [[topic('Read', p.topic_name!)]]],
  // A requeue reads the DLQ, keeps its progress in the group sluice-dlq-requeue, and writes to `to`, or, without
  // it, to whatever source topics the records name: that needs Alter on the cluster (an operator's right).
  [
    `POST ${CLUSTER}/dlqs/:topic_name/records::requeue`,
    (p, body) => {
      const to = (body as { to?: unknown } | null)?.to;
      const reading = [topic('Read', p.topic_name!), group('Read', REQUEUE_GROUP)];
      return typeof to === 'string' ? [[...reading, topic('Write', to)]] : [[...reading, cluster('Alter')]];
    },
  ],
  // The activity log is the internal topic __activity: reading it needs Read on it, as on the binary protocols.
  [`GET ${CLUSTER}/activity`, () => [[topic('Read', ACTIVITY_TOPIC)]]],
  // The WebSocket gateway checks each subscribe and produce itself (ws/session.ts).
  ['GET /ws', () => [[]]],
]);

/** Listing routes: the ACL check each listed entry must pass to be shown (not audited, as Kafka's). */
export const listFilters: ReadonlyMap<string, (entry: unknown) => AclCheck> = new Map([
  [
    `GET ${CLUSTER}/topics`,
    (entry: unknown) => topic('Describe', String((entry as { topic_name?: unknown }).topic_name)),
  ],
  [
    `GET ${CLUSTER}/consumer-groups`,
    (entry: unknown) => group('Describe', String((entry as { consumer_group_id?: unknown }).consumer_group_id)),
  ],
  [
    `GET ${CLUSTER}/share-groups`,
    (entry: unknown) => group('Describe', String((entry as { share_group_id?: unknown }).share_group_id)),
  ],
  [
    `GET ${CLUSTER}/dlqs`,
    (entry: unknown) => topic('Describe', String((entry as { topic_name?: unknown }).topic_name)),
  ],
  [
    `GET ${CLUSTER}/consumer-groups/:consumer_group_id/lags`,
    (entry: unknown) => topic('Describe', String((entry as { topic_name?: unknown }).topic_name)),
  ],
]);
