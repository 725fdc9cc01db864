// The CLI's one door to the broker: the package's kafkajs-shaped SDK (src/index.ts). The interfaces
// below name just the parts the commands use, in kafkajs's shapes; createClient() assigns the real
// client to them, so tsc fails here if the SDK's shapes drift from what the commands expect.
import * as sdk from '../../src/client/index.js';
import type { Context } from './command.js';
import { CliError } from './errors.js';
import { Notices } from './notices.js';

export interface AdminClient {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  /** Sluice: `includeInternal` adds the broker's internal topics (__consumer_offsets). */
  listTopics(options?: { includeInternal?: boolean }): Promise<string[]>;
  describeCluster(): Promise<{
    brokers: Array<{ nodeId: number; host: string; port: number }>;
    controller: number | null;
  }>;
  createTopics(o: {
    topics: Array<{ topic: string; numPartitions?: number; configEntries?: Array<{ name: string; value: string }> }>;
    waitForLeaders?: boolean;
  }): Promise<boolean>;
  deleteTopics(o: { topics: string[] }): Promise<void>;
  fetchTopicMetadata(o: { topics: string[] }): Promise<{
    topics: Array<{
      name: string;
      partitions: Array<{ partitionId: number; leader: number; replicas: number[]; isr: number[] }>;
    }>;
  }>;
  fetchTopicOffsets(
    topic: string,
    options?: { isolation?: 'read_uncommitted' | 'read_committed' },
  ): Promise<Array<{ partition: number; offset: string; high: string; low: string }>>;
  fetchTopicOffsetsByTimestamp(
    topic: string,
    timestamp?: number,
  ): Promise<Array<{ partition: number; offset: string }>>;
  describeConfigs(o: {
    resources: Array<{ type: number; name: string; configNames?: string[] }>;
    includeSynonyms?: boolean;
  }): Promise<{
    resources: Array<{
      resourceName: string;
      configEntries: Array<{
        configName: string;
        configValue: string | null;
        isDefault: boolean;
        configSource: number;
        readOnly: boolean;
      }>;
    }>;
  }>;
  alterConfigs(o: {
    resources: Array<{ type: number; name: string; configEntries: Array<{ name: string; value: string | null }> }>;
  }): Promise<unknown>;
  listGroups?(): Promise<{ groups: Array<{ groupId: string; protocolType: string }> }>;
  describeGroups?(groupIds: string[]): Promise<{ groups: GroupDescription[] }>;
  fetchOffsets?(o: {
    groupId: string;
    topics?: string[];
  }): Promise<
    Array<{ topic: string; partitions: Array<{ partition: number; offset: string; metadata?: string | null }> }>
  >;
  setOffsets?(o: {
    groupId: string;
    topic: string;
    partitions: Array<{ partition: number; offset: string; metadata?: string | null }>;
  }): Promise<void>;
  resetOffsets?(o: { groupId: string; topic: string; earliest?: boolean }): Promise<void>;
  deleteGroups?(groupIds: string[]): Promise<Array<{ groupId: string; errorCode: number }>>;
  listShareGroups?(): Promise<{ groups: Array<{ groupId: string; state: string; members: number }> }>;
  describeShareGroups?(groupIds: string[]): Promise<{ groups: ShareGroupDescription[] }>;
  deleteShareGroups?(groupIds: string[]): Promise<Array<{ groupId: string; errorCode: number }>>;
  resetShareGroupOffsets?(o: {
    groupId: string;
    topic: string;
    partitions?: number[];
    to?: 'earliest' | 'latest';
    timestamp?: number;
  }): Promise<Array<{ partition: number; startOffset: number }>>;
  createAcls(o: { acl: sdk.AclEntry[] }): Promise<boolean>;
  describeAcls(o: sdk.AclFilter): Promise<sdk.DescribeAclResponse>;
  deleteAcls(o: { filters: sdk.AclFilter[] }): Promise<sdk.DeleteAclResponse>;
  describeClientQuotas(o?: {
    components?: sdk.ClientQuotaFilterComponent[];
    strict?: boolean;
  }): Promise<sdk.ClientQuotaEntry[]>;
  alterClientQuotas(o: { entries: sdk.ClientQuotaAlteration[]; validateOnly?: boolean }): Promise<void>;
  describeUserScramCredentials(users?: string[]): Promise<sdk.UserScramCredentials[]>;
  alterUserScramCredentials(o: {
    upsertions?: sdk.ScramCredentialUpsertion[];
    deletions?: Array<{ user: string; mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512' }>;
  }): Promise<void>;
  listTransactions(o?: sdk.ListTransactionsOptions): Promise<{ transactions: sdk.TransactionListing[] }>;
  describeTransactions(transactionalIds: string[]): Promise<{ transactions: sdk.TransactionDescription[] }>;
}

/** A share group (queue) as the broker describes it: settings, members, and per partition what is in flight. */
export interface ShareGroupDescription {
  groupId: string;
  errorCode: number;
  errorMessage: string | null;
  state: string;
  config: {
    maxAttempts: number;
    backoffType: string;
    initialMs: number;
    multiplierMilli: number;
    maxMs: number;
    jitterPercent: number;
    lockTimeoutMs: number;
    deadLetterTopic: string | null;
  } | null;
  members: Array<{
    memberId: string;
    clientId: string;
    clientHost: string;
    topics: string[];
    maxInFlight: number;
    held: number;
  }>;
  partitions: Array<{
    topic: string;
    partition: number;
    startOffset: number;
    logEndOffset: number;
    available: number;
    acquired: number;
    waiting: number;
    deadLettering: number;
    deliveryCounts: Array<{ deliveryCount: number; records: number }>;
    oldestTimestamp: number | null;
  }>;
}

export interface GroupDescription {
  groupId: string;
  state: string;
  protocol: string;
  protocolType: string;
  errorCode?: number;
  members: Array<{
    memberId: string;
    clientId: string;
    clientHost: string;
    memberAssignment: Buffer;
    memberMetadata: Buffer;
    groupInstanceId?: string | null;
  }>;
}

export interface SendMessage {
  key?: Buffer | string | null;
  value: Buffer | string | null;
  partition?: number;
  headers?: Record<string, Buffer | string | null | Array<Buffer | string | null>>;
  timestamp?: string | number;
  /** Queues: share groups deliver the record this many ms after the send (header sluice-deliver-at). */
  delayMs?: number;
  /** Queues: 0–9, share groups deliver higher first (header sluice-priority). */
  priority?: number;
}

export interface ProducerClient {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  send(record: {
    topic: string;
    messages: SendMessage[];
    acks?: number;
    compression?: number;
    timeout?: number;
  }): Promise<Array<{ topicName: string; partition: number; errorCode: number; baseOffset: string }>>;
}

export interface KafkaMessage {
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  timestamp: string;
  headers?: Record<string, Buffer | string | null | undefined | Array<Buffer | string | null | undefined>>;
}

export interface EachBatchPayload {
  batch: {
    topic: string;
    partition: number;
    highWatermark: string;
    messages: KafkaMessage[];
    firstOffset?(): string | null;
    lastOffset?(): string;
  };
  resolveOffset?(offset: string): void;
  heartbeat?(): Promise<void>;
  commitOffsetsIfNecessary?(): Promise<void>;
  isRunning?(): boolean;
  isStale?(): boolean;
  pause?(): () => void;
}

export interface ConsumerClient {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  subscribe(o: { topic: string; fromBeginning?: boolean }): Promise<void>;
  assign?(
    assignments:
      | Array<{ topic: string; partitions: number[] | Array<{ partition: number; offset?: string }> }>
      | { topic: string; partitions: number[] },
  ): unknown;
  run(o: {
    eachBatch?: (p: EachBatchPayload) => Promise<void>;
    eachMessage?: (p: { topic: string; partition: number; message: KafkaMessage }) => Promise<void>;
    autoCommit?: boolean;
    eachBatchAutoResolve?: boolean;
  }): Promise<void>;
  seek(o: { topic: string; partition: number; offset: string }): void;
  pause(topics: Array<{ topic: string; partitions?: number[] }>): void;
  resume(topics: Array<{ topic: string; partitions?: number[] }>): void;
  stop(): Promise<void>;
  commitOffsets?(offsets: Array<{ topic: string; partition: number; offset: string }>): Promise<void>;
  /** The next offset the consumer hands out, past skipped transaction markers (null: not known yet). */
  position?(tp: { topic: string; partition: number }): string | null;
  on?(event: string, listener: (e: unknown) => void): unknown;
  events?: Record<string, string>;
}

export interface ShareMessage {
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | null | Array<Buffer | null>>;
  offset: string;
  timestamp: string;
  deliveryAttempt: number;
  reject(reason?: string): void;
  release(): void;
}

export interface ShareConsumerClient {
  readonly memberId: string;
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  subscribe(o: { topics: string[]; fromBeginning?: boolean }): Promise<void>;
  run(o: { eachMessage(p: { topic: string; partition: number; message: ShareMessage }): Promise<void> }): Promise<void>;
}

export interface SluiceClient {
  admin(config?: Record<string, unknown>): AdminClient;
  producer(config?: Record<string, unknown>): ProducerClient;
  consumer(config?: Record<string, unknown>): ConsumerClient;
  shareConsumer?(config: {
    groupId: string;
    maxInFlight?: number;
    lockTimeoutMs?: number;
    maxWaitTimeInMs?: number;
  }): ShareConsumerClient;
}

/** kafkajs's ConfigResourceTypes.TOPIC and BROKER. */
export const TOPIC_RESOURCE = 2;
export const BROKER_RESOURCE = 4;

/** Retries tuned for a person waiting at a terminal: an unreachable broker is reported in about a second. */
export const CLI_RETRY = { retries: 2, initialRetryTime: 100, maxRetryTime: 1000 } as const;

const noticesOf = new WeakMap<Context, Notices>();

/**
 * The SDK client of a command. Without --debug, the SDK's warnings (retrying a fetch, waiting to join a
 * group, records it cannot decode) reach the user as notices on stderr (notices.ts); with --debug its log
 * is printed as is, from level INFO.
 */
export function createClient(ctx: Context, overrides: Record<string, unknown> = {}): SluiceClient {
  let notices = noticesOf.get(ctx);
  if (!notices) noticesOf.set(ctx, (notices = new Notices((line) => ctx.warn(line))));
  const sink = notices;
  // Assigning the real client to the facade type makes tsc check the facade against the SDK's shapes.
  const client: SluiceClient = new sdk.Sluice({
    clientId: 'sluice-cli',
    brokers: ctx.brokers,
    connectionTimeout: 3000,
    requestTimeout: 30_000,
    retry: CLI_RETRY,
    ...ctx.security,
    ...(ctx.debug
      ? { logLevel: sdk.logLevel.INFO }
      : { logLevel: sdk.logLevel.WARN, logCreator: () => (entry: sdk.LogEntry) => sink.sdkEntry(entry) }),
    ...overrides,
  });
  return client;
}

/** A connected admin client, disconnected when the command ends. */
export async function connectAdmin(ctx: Context, client: SluiceClient = createClient(ctx)): Promise<AdminClient> {
  const admin = client.admin({ retry: CLI_RETRY });
  ctx.onCleanup(() => admin.disconnect());
  await admin.connect();
  return admin;
}

/** Fails with "unknown topic 'x'" (and what does exist) unless the topic exists. */
export async function requireTopic(admin: AdminClient, topic: string): Promise<void> {
  const topics = await admin.listTopics();
  if (topics.includes(topic)) return;
  const visible = topics.filter((t) => !t.startsWith('__'));
  const close = visible.filter(
    (t) => t.toLowerCase().includes(topic.toLowerCase()) || topic.toLowerCase().includes(t.toLowerCase()),
  );
  const hint =
    close.length > 0
      ? ` (did you mean ${close
          .slice(0, 3)
          .map((t) => `'${t}'`)
          .join(', ')}?)`
      : '';
  throw new CliError(`unknown topic '${topic}'${hint}`);
}

/** Partition ids of a topic, sorted. */
export async function partitionsOf(admin: AdminClient, topic: string): Promise<number[]> {
  const meta = await admin.fetchTopicMetadata({ topics: [topic] });
  return (meta.topics[0]?.partitions ?? []).map((p) => p.partitionId).sort((a, b) => a - b);
}

export interface PartitionOffsets {
  partition: number;
  low: number;
  high: number;
}

/** `isolation` read_committed: `high` is the last stable offset (where a read_committed reader's log ends). */
export async function offsetsOf(
  admin: AdminClient,
  topic: string,
  isolation: 'read_uncommitted' | 'read_committed' = 'read_uncommitted',
): Promise<PartitionOffsets[]> {
  const offsets = await admin.fetchTopicOffsets(topic, { isolation });
  return offsets
    .map((o) => ({ partition: o.partition, low: Number(o.low), high: Number(o.high) }))
    .sort((a, b) => a.partition - b.partition);
}

/**
 * Calls `fail` when the consumer crashes (a handler kept failing, or the SDK hit an error it cannot
 * retry), so a command reports it instead of waiting forever.
 */
export function onCrash(consumer: ConsumerClient, fail: (err: unknown) => void): void {
  consumer.on?.('consumer.crash', (event) => {
    const payload = (event as { payload?: { error?: unknown } }).payload;
    fail(payload?.error ?? new Error('the consumer crashed'));
  });
}
