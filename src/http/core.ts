// The HTTP door's one way into the broker core. Every route and the WebSocket gateway call this module,
// never the topic registry, the logs or the group coordinator directly, so the door holds no state of
// its own and a core change is absorbed here once.
//
// What it calls, all owned by the running Broker (Broker.core):
//   topics     TopicRegistry: list, and each partition's PartitionLog (offsets, sizes, reads)
//   produce, create, delete, alter   the native handlers themselves (CreateTopics, DeleteTopics, the config
//              changes, Produce), run as the requester: the same validation, cluster-wide changes in cluster
//              mode, ACL checks and activity events as through the binary protocols
//   groups     the GroupCoordinator: list, describe, offsets (fetch, commit), delete
// Records are read straight from the partition log (as the Fetch handler does) and decoded with the SDK's
// batch decoder, bounded in count and bytes.
import { statfs } from 'node:fs/promises';
import type { PartitionLog } from '../../storage/index.js';
import { formatFlushPolicy } from '../broker/config.js';
import { highWatermark } from '../broker/high-watermark.js';
import { groupWireError, TOPIC_PROBLEM_CODES } from '../broker/handlers/domain-errors.js';
import { applyTopicConfigChanges } from '../broker/handlers/config-changes.js';
import { createTopicsHandler } from '../broker/handlers/create-topics.js';
import { deleteTopicsHandler } from '../broker/handlers/delete-topics.js';
import { produceHandler } from '../broker/handlers/produce.js';
import { publishRequestActivity } from '../broker/activity/events.js';
import { TopicError } from '../broker/registries/errors.js';
import type { BrokerContext, RequestContext } from '../broker/handlers/types.js';
import { describeTopicConfigs } from '../broker/registries/topic-config.js';
import { MemberAssignment } from '../client/consumer/assignors/protocol.js';
import { ANONYMOUS_PRINCIPAL, type Principal } from '../broker/security/principal.js';
import {
  ErrorCode,
  errorInfo,
  ProduceApi,
  ProtocolError,
  type ConfigEntry,
  type TopicResult,
} from '../protocol/index.js';
import { buildRecordBatchSync, decodeRecordBatches, partitionForKey, type HeaderPairs } from '../records/index.js';

export interface PartitionInfo {
  partition: number;
  logStartOffset: number;
  /** The last offset consumers can read + 1 (the log end, or the fsynced end under flush=always). */
  highWatermark: number;
  logEndOffset: number;
  sizeBytes: number;
  segments: number;
}

export interface TopicInfo {
  name: string;
  partitions: number;
  internal: boolean;
  /** Config overrides only (effective values: topicConfigs). */
  configs: Readonly<Record<string, string>>;
  sizeBytes: number;
  /** Sum over partitions of highWatermark − logStartOffset. */
  records: number;
}

export interface RecordToProduce {
  /** Explicit partition; else the key's murmur2 partition; else one round-robin partition per request. */
  partition?: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: HeaderPairs;
  timestamp?: number;
}

export interface ProducedRecord {
  partition: number;
  offset: number;
  timestamp: number;
}

/**
 * Who asks for a change: the authenticated requester (ANONYMOUS where authentication is off). The native
 * handlers the change runs through check its ACLs and name it in the activity log.
 */
export interface RequestedBy {
  principal: Principal;
  clientHost: string;
}

export type ProduceOutcome =
  | ({ ok: true } & ProducedRecord)
  | { ok: false; partition: number; errorName: string; message: string };

export interface ConsumedRecord {
  partition: number;
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: HeaderPairs;
}

export interface ReadWindow {
  records: ConsumedRecord[];
  /** Where the next page starts. */
  nextOffset: number;
  logStartOffset: number;
  highWatermark: number;
}

export interface GroupMemberInfo {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  assignment: Array<{ topic: string; partitions: number[] }>;
}

export interface GroupInfo {
  groupId: string;
  state: string;
  protocolType: string;
  protocol: string;
  members: GroupMemberInfo[];
}

export interface PartitionLag {
  topic: string;
  partition: number;
  /** -1 when the group has no committed offset there. */
  committedOffset: number;
  logEndOffset: number;
  /** -1 when nothing is committed. */
  lag: number;
  memberId: string | null;
}

export type ResetTarget =
  | { to: 'earliest' }
  | { to: 'latest' }
  | { to: 'offset'; offset: number }
  | { to: 'timestamp'; timestamp: number };

/** A core refusal: the wire error name (from the shared table) and a sentence. Routes map it to a status. */
export class CoreError extends Error {
  override name = 'CoreError';
  constructor(
    readonly errorName: string,
    message: string,
  ) {
    super(message);
  }
}

function refusal(error: unknown): never {
  if (error instanceof ProtocolError) throw new CoreError(error.type, error.message);
  // The registries' domain errors get the wire names every door uses (handlers/domain-errors.ts).
  if (error instanceof TopicError) throw new CoreError(TOPIC_PROBLEM_CODES[error.problem], error.message);
  throw error;
}

/** How long a topic change may wait for the cluster (CreateTopics' and DeleteTopics' timeoutMs). */
const ADMIN_TIMEOUT_MS = 30_000;

/** A topic admin handler's one result: nothing when it succeeded, else thrown with its wire name. */
function throwIfFailed(result: TopicResult | undefined): void {
  if (!result || result.errorCode === ErrorCode.NONE) return;
  throw groupFailure(result.errorCode, result.errorMessage);
}

function groupFailure(errorCode: number, message: string | null): CoreError {
  const info = errorInfo(errorCode);
  return new CoreError(info.name, message ?? info.message);
}

export class HttpCore {
  readonly #broker: BrokerContext;
  /** Unkeyed records of one request go to one partition; the next request takes the next one. */
  readonly #roundRobin = new Map<string, number>();
  readonly #context: RequestContext;
  readonly #startedAt = Date.now();

  constructor(broker: BrokerContext) {
    this.#broker = broker;
    this.#context = httpRequestContext(broker);
  }

  get clusterId(): string {
    return this.#broker.clusterId;
  }

  get logger() {
    return this.#broker.logger;
  }

  /** Broker facts for /v3/clusters/…/brokers and the console's overview. */
  brokerInfo() {
    const b = this.#broker;
    return {
      brokerId: b.config.nodeId,
      host: b.config.advertisedHost,
      port: b.advertisedPort,
      version: b.brokerVersion,
      dataDir: b.config.dataDir,
      autoCreateTopics: b.config.autoCreateTopics,
      defaultPartitions: b.config.defaultPartitions,
      flush: formatFlushPolicy(b.config.topicDefaults.flush),
      uptimeMs: Date.now() - this.#startedAt,
    };
  }

  get stopping(): boolean {
    return this.#broker.stopping;
  }

  get groupsReady(): boolean {
    return this.#broker.groups.ready;
  }

  topics(): TopicInfo[] {
    const user = this.#broker.topics.list().map((t) => this.#topicInfo(t.name, t.partitions, false, t.configs));
    const internal = this.#broker.internalTopics().map((t) => this.#topicInfo(t.name, t.partitions, true, {}));
    return [...user, ...internal].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  topic(name: string): TopicInfo {
    const topic = this.#broker.topics.get(name);
    if (topic) return this.#topicInfo(name, topic.partitions, false, topic.configs);
    const internal = this.#broker.internalTopics().find((t) => t.name === name);
    if (internal) return this.#topicInfo(name, internal.partitions, true, {});
    throw new CoreError('UNKNOWN_TOPIC_OR_PARTITION', `topic "${name}" does not exist`);
  }

  partitions(name: string): PartitionInfo[] {
    const { partitions } = this.topic(name);
    const result: PartitionInfo[] = [];
    for (let p = 0; p < partitions; p++) {
      const log = this.#log(name, p);
      if (log) result.push(partitionInfo(p, log));
    }
    return result;
  }

  partition(name: string, partition: number): PartitionInfo {
    const log = this.#log(name, partition);
    if (!log) throw this.#noPartition(name, partition);
    return partitionInfo(partition, log);
  }

  /**
   * `replicationFactor` -1: the broker's default (above 1 only in cluster mode). `validateOnly`: checked by
   * the registry and described as it would be, nothing created.
   */
  async createTopic(
    name: string,
    partitions: number,
    replicationFactor: number,
    configs: Record<string, string>,
    validateOnly: boolean,
    by: RequestedBy,
  ): Promise<TopicInfo> {
    const response = await createTopicsHandler.handle(
      {
        topics: [{ name, numPartitions: partitions, replicationFactor, configs }],
        timeoutMs: ADMIN_TIMEOUT_MS,
        validateOnly,
      },
      this.#broker,
      this.#contextOf(by),
    );
    if (typeof response !== 'symbol') throwIfFailed(response.topics[0]);
    if (validateOnly) {
      // Passed the handler's checks: described as the registry would make it.
      try {
        const topic = await this.#broker.topics.create(name, partitions, configs, { validateOnly });
        return this.#topicInfo(topic.name, topic.partitions, false, topic.configs);
      } catch (error) {
        refusal(error);
      }
    }
    // In cluster mode the handler may answer before this broker holds the topic (CreateTopics' timeout).
    const created = this.#broker.topics.get(name);
    if (created) return this.#topicInfo(name, created.partitions, false, created.configs);
    const count = partitions === -1 ? this.#broker.config.defaultPartitions : partitions;
    return this.#topicInfo(name, count, false, configs);
  }

  async deleteTopic(name: string, by: RequestedBy): Promise<void> {
    if (this.#broker.internalTopics().some((t) => t.name === name))
      throw new CoreError('INVALID_REQUEST', `topic "${name}" is internal to the broker and cannot be deleted`);
    const response = await deleteTopicsHandler.handle(
      { topics: [name], timeoutMs: ADMIN_TIMEOUT_MS },
      this.#broker,
      this.#contextOf(by),
    );
    if (typeof response !== 'symbol') throwIfFailed(response.topics[0]);
  }

  topicConfigs(name: string, names: string[] | null = null): ConfigEntry[] {
    const topic = this.#broker.topics.get(name);
    if (!topic) throw new CoreError('UNKNOWN_TOPIC_OR_PARTITION', `topic "${name}" does not exist`);
    return describeTopicConfigs(topic.configs, topic.partitions, this.#broker.config.topicDefaults, names);
  }

  /** Incremental: a null value reverts the key to its inherited value. */
  async alterTopicConfigs(
    name: string,
    changes: Record<string, string | null>,
    validateOnly: boolean,
    by: RequestedBy,
  ): Promise<void> {
    try {
      // Only the keys go to the activity log, as through the binary protocols.
      const keys = Object.entries(changes).map(([key, value]) => `${key}:${value === null ? 'DELETE' : 'SET'}`);
      await applyTopicConfigChanges(this.#broker, this.#contextOf(by), name, changes, validateOnly, {
        configs: keys.join(','),
      });
    } catch (error) {
      refusal(error);
    }
  }

  /**
   * Produces `records` to `topic` with acks=all (after the topic's flush policy), one batch per partition,
   * through the native Produce handler. Outcomes are in the order of `records`.
   */
  /** `as`: who asks (the Produce handler checks its Write ACL); default the door's anonymous context. */
  async produce(topicName: string, records: RecordToProduce[], as?: RequestedBy): Promise<ProduceOutcome[]> {
    let topic = this.#broker.topics.get(topicName);
    if (!topic) {
      try {
        topic = await this.#broker.topics.ensure(topicName);
      } catch (error) {
        refusal(error);
      }
      if (!topic) throw new CoreError('UNKNOWN_TOPIC_OR_PARTITION', `topic "${topicName}" does not exist`);
    }
    const count = topic.partitions;
    const unkeyed = this.#nextRoundRobin(topicName, count);
    const byPartition = new Map<number, number[]>();
    const now = this.#broker.clock.now();
    const target: number[] = records.map((r) => {
      const p = r.partition ?? (r.key ? partitionForKey(r.key, count) : unkeyed);
      if (p >= count) throw this.#noPartition(topicName, p);
      return p;
    });
    target.forEach((p, i) => {
      const list = byPartition.get(p);
      if (list) list.push(i);
      else byPartition.set(p, [i]);
    });
    const partitions = [...byPartition].map(([partition, indexes]) => ({
      partition,
      records: buildRecordBatchSync(
        indexes.map((i) => {
          const r = records[i]!;
          return { key: r.key, value: r.value, headers: r.headers, timestamp: r.timestamp ?? now };
        }),
      ),
    }));
    const response = await produceHandler.handle(
      { acks: -1, timeoutMs: 30_000, topics: [{ name: topicName, partitions }] },
      this.#broker,
      as ? this.#contextOf(as) : this.#context,
    );
    if (typeof response === 'symbol') throw new Error('produce with acks=-1 got no response');
    const outcomes: ProduceOutcome[] = new Array(records.length);
    for (const result of response.topics[0]?.partitions ?? []) {
      const indexes = byPartition.get(result.partition) ?? [];
      indexes.forEach((i, n) => {
        outcomes[i] =
          result.errorCode === ErrorCode.NONE
            ? {
                ok: true,
                partition: result.partition,
                offset: result.baseOffset + n,
                // A LogAppendTime topic replaced the record's timestamp with the time of its append.
                timestamp: result.logAppendTime >= 0 ? result.logAppendTime : (records[i]!.timestamp ?? now),
              }
            : {
                ok: false,
                partition: result.partition,
                errorName: errorInfo(result.errorCode).name,
                message: result.errorMessage ?? errorInfo(result.errorCode).message,
              };
      });
    }
    return outcomes;
  }

  /** The first offset whose record has a timestamp ≥ `timestamp`, else the high watermark. */
  async offsetForTimestamp(topic: string, partition: number, timestamp: number): Promise<number> {
    const log = this.#log(topic, partition);
    if (!log) throw this.#noPartition(topic, partition);
    const found = await log.offsetForTimestamp(timestamp);
    const end = highWatermark(log);
    if (!found || found.offset >= end) return end;
    // The time index points at a batch; the first record of it at or after `timestamp` is the answer.
    const window = await this.read(topic, partition, found.offset, { maxRecords: 10_000, maxBytes: 1 });
    return window.records.find((r) => r.timestamp >= timestamp)?.offset ?? window.nextOffset;
  }

  /**
   * Up to `maxRecords` records from `offset` on (never past the high watermark), reading at most about
   * `maxBytes` of batches (the first batch is read whole, as for a fetch). An offset below the log start
   * is refused (OFFSET_OUT_OF_RANGE); one at or past the end returns no records.
   */
  async read(
    topic: string,
    partition: number,
    from: number,
    limits: { maxRecords: number; maxBytes: number },
  ): Promise<ReadWindow> {
    const log = this.#log(topic, partition);
    if (!log) throw this.#noPartition(topic, partition);
    const end = highWatermark(log);
    const window: ReadWindow = {
      records: [],
      nextOffset: from,
      logStartOffset: log.logStartOffset,
      highWatermark: end,
    };
    if (from < log.logStartOffset) {
      throw new CoreError(
        'OFFSET_OUT_OF_RANGE',
        `offset ${from} is before the log start of ${topic}-${partition} (${log.logStartOffset})`,
      );
    }
    let offset = from;
    let bytesLeft = limits.maxBytes;
    while (offset < end && window.records.length < limits.maxRecords && bytesLeft > 0) {
      let result;
      try {
        result = await log.read(offset, { maxBytes: bytesLeft, maxOffset: end });
      } catch (error) {
        refusal(error);
      }
      if (result.bytes === 0) break;
      bytesLeft -= result.bytes;
      for (const { records } of await decodeRecordBatches(Buffer.concat(result.chunks))) {
        for (const r of records) {
          if (r.offset < offset || r.offset >= end) continue;
          if (window.records.length >= limits.maxRecords) break;
          window.records.push({ partition, ...r });
          window.nextOffset = r.offset + 1;
        }
      }
      if (window.records.length < limits.maxRecords) window.nextOffset = Math.max(window.nextOffset, result.nextOffset);
      offset = result.nextOffset;
    }
    return window;
  }

  /**
   * Resolves once `topic`-`partition` has records at or past `offset` visible, on an append's wake-up (the
   * same waiters long-poll fetches use, no polling), or when `signal` aborts or the broker stops.
   */
  waitForRecords(topic: string, partition: number, offset: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      let unregister = () => {};
      const done = () => {
        unregister();
        signal.removeEventListener('abort', done);
        resolve();
      };
      unregister = this.#broker.waiters.register([{ topic, partition }], done);
      signal.addEventListener('abort', done, { once: true });
      // An append between the caller's read and the registration woke nobody: look once more.
      const log = this.#log(topic, partition);
      if (!log || highWatermark(log) > offset || signal.aborted || this.#broker.stopping) done();
    });
  }

  /** "host:port" the door's own SDK clients (WebSocket group members) connect to: the native listener. */
  get nativeAddress(): string {
    const host = this.#broker.config.host;
    const local = host === '0.0.0.0' || host === '::' || host === '' ? '127.0.0.1' : host;
    return `${local.includes(':') ? `[${local}]` : local}:${this.#broker.port}`;
  }

  groups(): Array<{ groupId: string; state: string; protocolType: string }> {
    const listed = this.#broker.groups.listGroups({ statesFilter: null });
    if (listed.error) throw groupFailure(groupWireError(listed.error).errorCode, null);
    return listed.groups
      .map((g) => ({ groupId: g.groupId, state: g.groupState, protocolType: g.protocolType }))
      .sort((a, b) => (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0));
  }

  group(groupId: string): GroupInfo {
    const described = this.#broker.groups.describeGroups({ groups: [groupId] }).groups[0]!;
    if (described.error) throw groupFailure(groupWireError(described.error).errorCode, described.error.detail);
    return {
      groupId,
      state: described.groupState,
      protocolType: described.protocolType,
      protocol: described.protocolData,
      members: described.members.map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        assignment: decodeAssignment(m.memberAssignment),
      })),
    };
  }

  /** Committed offset, log end and lag of every partition the group committed or is assigned. */
  lags(groupId: string): PartitionLag[] {
    const group = this.group(groupId);
    const owner = new Map<string, string>();
    const wanted = new Map<string, Set<number>>();
    for (const m of group.members) {
      for (const { topic, partitions } of m.assignment) {
        for (const p of partitions) {
          owner.set(`${topic}\u0000${p}`, m.memberId);
          wanted.set(topic, (wanted.get(topic) ?? new Set()).add(p));
        }
      }
    }
    const fetched = this.#broker.groups.fetchOffsets({ groupId, topics: null });
    if (fetched.error) throw groupFailure(groupWireError(fetched.error).errorCode, fetched.error.detail);
    for (const t of fetched.topics)
      for (const p of t.partitions) wanted.set(t.name, (wanted.get(t.name) ?? new Set()).add(p.partition));
    const lags: PartitionLag[] = [];
    for (const [topic, partitions] of [...wanted].sort(([a], [b]) => (a < b ? -1 : 1))) {
      for (const partition of [...partitions].sort((a, b) => a - b)) {
        const log = this.#log(topic, partition);
        if (!log) continue;
        const committed = this.#broker.groups.fetchOffsets({
          groupId,
          topics: [{ name: topic, partitions: [partition] }],
        }).topics[0]?.partitions[0];
        const committedOffset = committed?.offset ?? -1;
        const end = highWatermark(log);
        lags.push({
          topic,
          partition,
          committedOffset,
          logEndOffset: end,
          lag: committedOffset >= 0 ? Math.max(0, end - committedOffset) : -1,
          memberId: owner.get(`${topic}\u0000${partition}`) ?? null,
        });
      }
    }
    return lags;
  }

  /**
   * Moves the group's committed offsets of `topic` (all its partitions, or those listed) to the target.
   * Only while the group has no active members (Kafka's rule: a running consumer would overwrite them).
   */
  async resetOffsets(
    groupId: string,
    topic: string,
    target: ResetTarget,
    only: number[] | undefined,
    by: RequestedBy,
  ): Promise<Array<{ partition: number; offset: number }>> {
    const info = this.topic(topic);
    const partitions = only ?? Array.from({ length: info.partitions }, (_, p) => p);
    const offsets: Array<{ partition: number; offset: number }> = [];
    for (const partition of partitions) {
      const log = this.#log(topic, partition);
      if (!log) throw this.#noPartition(topic, partition);
      const end = highWatermark(log);
      let offset: number;
      if (target.to === 'earliest') offset = log.logStartOffset;
      else if (target.to === 'latest') offset = end;
      else if (target.to === 'offset') offset = Math.min(Math.max(target.offset, log.logStartOffset), end);
      else offset = await this.offsetForTimestamp(topic, partition, target.timestamp);
      offsets.push({ partition, offset });
    }
    await this.commitOffsets({ groupId, generationId: -1, memberId: '' }, topic, offsets);
    // The event an OffsetCommit from outside the group's generation makes (security/acl/groups.ts).
    publishRequestActivity(this.#contextOf(by), 'group.offsets.reset', `group:${groupId}`, {
      topic,
      offsets: offsets.map((o) => `${o.partition}:${o.offset}`).join(','),
    });
    return offsets;
  }

  /** Commits offsets for a group member (or, with generationId -1 and memberId '', for an empty group). */
  async commitOffsets(
    who: { groupId: string; generationId: number; memberId: string },
    topic: string,
    offsets: Array<{ partition: number; offset: number; metadata?: string }>,
  ): Promise<void> {
    const response = await this.#broker.groups.commitOffsets({
      ...who,
      groupInstanceId: null,
      topics: [
        {
          name: topic,
          partitions: offsets.map((o) => ({
            partition: o.partition,
            offset: o.offset,
            leaderEpoch: -1,
            metadata: o.metadata ?? null,
          })),
        },
      ],
    });
    for (const t of response.topics) {
      for (const p of t.partitions) {
        if (p.error) throw groupFailure(groupWireError(p.error).errorCode, p.error.detail);
      }
    }
  }

  /** The group's committed offsets (and their metadata) on `topic`'s partitions; a partition never committed is absent. */
  committed(groupId: string, topic: string): Map<number, { offset: number; metadata: string | null }> {
    const fetched = this.#broker.groups.fetchOffsets({ groupId, topics: null });
    const result = new Map<number, { offset: number; metadata: string | null }>();
    if (fetched.error) return result;
    for (const p of fetched.topics.find((t) => t.name === topic)?.partitions ?? [])
      if (p.offset >= 0) result.set(p.partition, { offset: p.offset, metadata: p.metadata ?? null });
    return result;
  }

  async deleteGroup(groupId: string): Promise<void> {
    const [result] = (await this.#broker.groups.deleteGroups({ groups: [groupId] })).results;
    if (result?.error) throw groupFailure(groupWireError(result.error).errorCode, result.error.detail);
  }

  /** Log size, segment and partition counts, the data directory's free space, and the tail caches' bytes. */
  async storage() {
    let sizeBytes = 0;
    let segments = 0;
    let partitions = 0;
    for (const topic of this.topics()) {
      for (let p = 0; p < topic.partitions; p++) {
        const log = this.#log(topic.name, p);
        if (!log) continue;
        partitions++;
        sizeBytes += log.sizeInBytes;
        segments += log.segmentCount;
      }
    }
    let diskFreeBytes = -1;
    let diskTotalBytes = -1;
    try {
      const s = await statfs(this.#broker.config.dataDir);
      diskFreeBytes = s.bavail * s.bsize;
      diskTotalBytes = s.blocks * s.bsize;
    } catch {
      // statfs is unsupported on some filesystems: the figures stay -1 (unknown).
    }
    const tailCache = this.#broker.tailCacheStats;
    return {
      sizeBytes,
      segments,
      partitions,
      diskFreeBytes,
      diskTotalBytes,
      tailCacheBytes: tailCache.bytes,
      tailCachePinnedBytes: tailCache.pinnedBytes,
    };
  }

  #log(topic: string, partition: number): PartitionLog | undefined {
    return this.#broker.topics.log(topic, partition) ?? this.#broker.internalLog(topic, partition);
  }

  #noPartition(topic: string, partition: number): CoreError {
    const t = this.#broker.topics.get(topic);
    return new CoreError(
      'UNKNOWN_TOPIC_OR_PARTITION',
      t
        ? `${topic}-${partition} does not exist: topic "${topic}" has ${t.partitions} partition(s)`
        : `topic "${topic}" does not exist`,
    );
  }

  #nextRoundRobin(topic: string, count: number): number {
    const next = this.#roundRobin.get(topic) ?? 0;
    this.#roundRobin.set(topic, (next + 1) % count);
    return next % count;
  }

  /** The door's context with `by` as the requester. */
  #contextOf(by: RequestedBy): RequestContext {
    return { ...this.#context, principal: by.principal, clientHost: by.clientHost };
  }

  #topicInfo(
    name: string,
    partitions: number,
    internal: boolean,
    configs: Readonly<Record<string, string>>,
  ): TopicInfo {
    let sizeBytes = 0;
    let records = 0;
    for (let p = 0; p < partitions; p++) {
      const log = this.#log(name, p);
      if (!log) continue;
      sizeBytes += log.sizeInBytes;
      records += highWatermark(log) - log.logStartOffset;
    }
    return { name, partitions, internal, configs, sizeBytes, records };
  }
}

function partitionInfo(partition: number, log: PartitionLog): PartitionInfo {
  return {
    partition,
    logStartOffset: log.logStartOffset,
    highWatermark: highWatermark(log),
    logEndOffset: log.logEndOffset,
    sizeBytes: log.sizeInBytes,
    segments: log.segmentCount,
  };
}

function decodeAssignment(bytes: Buffer): Array<{ topic: string; partitions: number[] }> {
  try {
    const decoded = MemberAssignment.decode(bytes);
    if (!decoded) return [];
    return Object.entries(decoded.assignment).map(([topic, partitions]) => ({ topic, partitions }));
  } catch {
    // A member of a non-consumer protocol: its assignment is opaque bytes.
    return [];
  }
}

/** The request context the door's calls into native handlers run with: no connection behind it. */
function httpRequestContext(broker: BrokerContext): RequestContext {
  return {
    header: { apiKey: ProduceApi.key, apiVersion: ProduceApi.maxVersion, correlationId: 0, clientId: 'sluice-http' },
    // Connection ids start at 1 (the transport's): 0 is no connection. The door reads partition logs
    // directly, never through the fetch handler, so nothing is keyed by it and no optional work is started.
    connectionId: 0,
    peer: 'http',
    clientHost: 'http',
    // ANONYMOUS unless a call names who asks (produce's `as`: the authenticated requester, src/http/auth.ts).
    principal: ANONYMOUS_PRINCIPAL,
    logger: broker.logger,
    signal: new AbortController().signal,
    afterResponse: (callback) => callback(true),
    responseMemory: { reserve: (wanted) => wanted, hold: () => {}, hasRoom: () => true, whenRoom: () => () => {} },
    connectionMemory: { tryReserve: () => false, charge: () => {}, release: () => {}, onFrameWaiting: () => {} },
  };
}
