// The share-group coordinator: membership, acquisition (long-polled), acknowledgements, dead letters and
// admin, over the share-partitions' state machines. Every state change is appended to
// `__share_group_state` in the same synchronous step as it is made (so the log holds changes in the order
// memory saw them), and a request is answered only once its changes are stored.
//
// Concurrency: one event loop, so each state-machine call and its append run without interleaving; the
// awaits in between (log reads, state appends, dead-letter writes) re-check what they depend on (the
// member still exists, the lane is still the same).
import { randomUUID } from 'node:crypto';
import type { Logger } from '../../../storage/index.js';
import { isValidTopicName } from '../../../storage/index.js';
import type { PartitionWaiters } from '../fetch/waiters.js';
import type { Scheduler } from '../groups/index.js';
import { partitionKey } from '../partition-key.js';
import type { TopicRegistry } from '../registries/topics.js';
import type { ShareGroupsConfig } from './config.js';
import { DeadLetterWriter } from './dead-letters.js';
import { ShareError } from './errors.js';
import { readShareRecords, readShareRecordsAt } from './record-reader.js';
import { resolveRetryPolicy, type RetryPolicyInput } from './retry-policy.js';
import { ShareGroup, ShareLane, type ShareMember } from './share-group.js';
import {
  type AckType,
  type ShareBatch,
  SharePartition,
  type SharePartitionSummary,
  type ShareRecord,
} from './share-partition.js';
import { encodeChanges, encodeGroup, encodeRecordState, encodeStart, type ShareGroupConfig } from './state-codec.js';
import type { ShareStateStore, StateRecord } from './state-store.js';

export interface ShareCoordinatorOptions {
  readonly store: ShareStateStore;
  readonly topics: TopicRegistry;
  readonly waiters: PartitionWaiters;
  readonly scheduler: Scheduler;
  readonly logger: Logger;
  readonly config: ShareGroupsConfig;
  readonly random?: () => number;
}

export interface HeartbeatInput {
  readonly groupId: string;
  /** '' to join. */
  readonly memberId: string;
  readonly leave: boolean;
  readonly topics: readonly string[];
  readonly maxInFlight: number;
  /** Where a share-partition this group never read starts. */
  readonly startFrom: 'earliest' | 'latest';
  /** The group settings a joining member declares; null keeps the group's (or the default). */
  readonly lockTimeoutMs: number | null;
  readonly retry: RetryPolicyInput | null;
  readonly deadLetterTopic: string | null;
  readonly clientId: string;
  readonly clientHost: string;
}

export interface HeartbeatResult {
  readonly memberId: string;
  readonly heartbeatIntervalMs: number;
  readonly sessionTimeoutMs: number;
  readonly lockTimeoutMs: number;
}

export interface ShareFetchInput {
  readonly groupId: string;
  readonly memberId: string;
  readonly maxRecords: number;
  readonly maxWaitMs: number;
  readonly signal?: AbortSignal;
}

export interface FetchedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly deliveryCount: number;
  readonly timestamp: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: ReadonlyArray<readonly [string, Buffer | null]>;
  /** The record's bytes as they lie in its batch: `batch.section` from `start` to `end`. */
  readonly batch: ShareBatch;
  readonly start: number;
  readonly end: number;
}

/** A FetchedRecord over a window's record: its key, value and headers are decoded only if read. */
class AcquiredRecord implements FetchedRecord {
  readonly offset: number;
  readonly timestamp: number;
  readonly batch: ShareBatch;
  readonly start: number;
  readonly end: number;
  readonly #record: ShareRecord;

  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly deliveryCount: number,
    record: ShareRecord,
  ) {
    this.offset = record.offset;
    this.timestamp = record.timestamp;
    this.batch = record.batch;
    this.start = record.start;
    this.end = record.end;
    this.#record = record;
  }

  get key(): Buffer | null {
    return this.#record.key;
  }

  get value(): Buffer | null {
    return this.#record.value;
  }

  get headers(): ReadonlyArray<readonly [string, Buffer | null]> {
    return this.#record.headers;
  }
}

export interface AckEntry {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /** The range `offset`..`lastOffset` (inclusive) takes the same outcome; absent or null: `offset` alone. */
  readonly lastOffset?: number | null;
  readonly type: AckType;
  readonly error: string | null;
}

/** An acknowledgement that failed, one per offset (the offsets acknowledged and not listed were settled). */
export interface AckResult {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly error: ShareError;
}

export interface ShareGroupListing {
  readonly groupId: string;
  readonly state: 'Empty' | 'Stable';
  readonly members: number;
}

export interface ShareGroupDescription {
  readonly groupId: string;
  readonly state: 'Empty' | 'Stable';
  readonly config: ShareGroupConfig;
  readonly members: ReadonlyArray<{
    memberId: string;
    clientId: string;
    clientHost: string;
    topics: readonly string[];
    maxInFlight: number;
    held: number;
  }>;
  readonly partitions: ReadonlyArray<
    Omit<SharePartitionSummary, 'loadedEnd'> & { topic: string; partition: number; logEndOffset: number }
  >;
}

export type ResetTarget =
  | { readonly to: 'earliest' | 'latest' }
  | { readonly to: 'timestamp'; readonly timestamp: number };

/** The longest failure message kept (the rest is cut). */
const MAX_ERROR_LENGTH = 4096;
const DEAD_LETTER_RETRY_MAX_MS = 30_000;
/** The most records one acknowledgement request settles (its ranges together): SHARE_MAX_RECORDS of the wire. */
const MAX_ACK_OFFSETS = 10_000;
/**
 * A read of the log past the window decodes up to this many windows of records (the rest wait in the
 * lane's read-ahead): a read (256 KiB, record-reader.ts) holds about two windows of 100 B records, and
 * decoding one window of it only made the next load read the rest again.
 */
const READ_AHEAD_WINDOWS = 2;

export class ShareCoordinator {
  readonly #groups = new Map<string, ShareGroup>();
  /** Epochs of deleted groups, so a group created again under the name ignores the old values. */
  readonly #deletedEpochs = new Map<string, number>();
  readonly #store: ShareStateStore;
  readonly #topics: TopicRegistry;
  readonly #waiters: PartitionWaiters;
  readonly #scheduler: Scheduler;
  readonly #logger: Logger;
  readonly #config: ShareGroupsConfig;
  readonly #random: () => number;
  readonly #deadLetters: DeadLetterWriter;
  #closed = false;

  constructor(options: ShareCoordinatorOptions) {
    this.#store = options.store;
    this.#topics = options.topics;
    this.#waiters = options.waiters;
    this.#scheduler = options.scheduler;
    this.#logger = options.logger;
    this.#config = options.config;
    this.#random = options.random ?? Math.random;
    this.#deadLetters = new DeadLetterWriter(
      options.topics,
      (topic, partition) => options.waiters.notify(topic, partition),
      () => options.scheduler.now(),
    );
  }

  /** Replays `__share_group_state`: groups come back without members, their records' states kept. */
  async start(): Promise<void> {
    const replayed = await this.#store.load();
    for (const [groupId, group] of replayed) {
      if (group.config === null) {
        this.#deletedEpochs.set(groupId, group.epoch);
        continue;
      }
      this.#groups.set(groupId, new ShareGroup(groupId, group.epoch, group.config, group.partitions, group.forgotten));
    }
  }

  close(): void {
    this.#closed = true;
    for (const group of this.#groups.values()) {
      for (const member of group.members.values()) member.session?.cancel();
      for (const lane of group.lanes.values()) lane.timer?.cancel();
      group.wake();
    }
  }

  // ── membership ──────────────────────────────────────────────────────────────────────────────────

  async heartbeat(input: HeartbeatInput): Promise<HeartbeatResult> {
    const existing = this.#groups.get(input.groupId);
    if (input.leave) {
      const member = existing?.members.get(input.memberId);
      if (member && existing) await this.#removeMember(existing, member);
      return this.#heartbeatResult(input.memberId, existing?.config.lockTimeoutMs ?? this.#config.defaultLockTimeoutMs);
    }
    this.#validateHeartbeat(input);
    let member = input.memberId === '' ? undefined : existing?.members.get(input.memberId);
    if (input.memberId !== '' && !member) {
      throw new ShareError(
        'unknown-member',
        `member ${input.memberId} is not in share group "${input.groupId}" (it left, its session expired or the broker restarted): join again`,
      );
    }
    const config = member && existing ? existing.config : this.#configFor(existing, input);
    let group = existing;
    const writes: StateRecord[] = [];
    if (!group) {
      group = new ShareGroup(input.groupId, (this.#deletedEpochs.get(input.groupId) ?? -1) + 1, config);
      this.#deletedEpochs.delete(input.groupId);
      this.#groups.set(group.id, group);
      writes.push(encodeGroup(group.id, group.epoch, config));
    } else if (!sameConfig(group.config, config)) {
      group.config = config;
      for (const lane of group.lanes.values()) lane.sp.retry = config.retry;
      writes.push(encodeGroup(group.id, group.epoch, config));
    }
    if (!member) {
      member = {
        id: randomUUID(),
        clientId: input.clientId,
        clientHost: input.clientHost,
        topics: [],
        maxInFlight: 1,
        session: null,
        cursor: 0,
        seenAt: 0,
      };
      group.members.set(member.id, member);
    }
    member.topics = [...new Set(input.topics)];
    member.maxInFlight = input.maxInFlight;
    this.#touch(group, member);
    for (const topic of member.topics) {
      const partitions = this.#topics.get(topic)?.partitions ?? 0;
      for (let p = 0; p < partitions; p++) this.#lane(group, topic, p, input.startFrom, writes);
    }
    await this.#store.append(writes);
    group.wake();
    return this.#heartbeatResult(member.id, group.config.lockTimeoutMs);
  }

  // ── acquisition ─────────────────────────────────────────────────────────────────────────────────

  /**
   * Acquires up to `maxRecords` records (and no more than the member's free maxInFlight slots) from the
   * partitions of the member's topics; with none available, waits up to `maxWaitMs` for an append, a
   * lock expiry, a due retry or delay, or a record given back, whichever comes first. Nothing polls.
   */
  async fetch(input: ShareFetchInput): Promise<FetchedRecord[]> {
    const deadline = this.#scheduler.now() + input.maxWaitMs;
    {
      // First look without the long-poll bookkeeping: a member that frees slots mostly finds records.
      const { group, member } = this.#memberOf(input.groupId, input.memberId);
      this.#touch(group, member);
      const records = await this.#acquire(group, member, input.maxRecords);
      if (records.length > 0 || this.#closed || input.signal?.aborted || input.maxWaitMs <= 0) return records;
    }
    for (;;) {
      const { group, member } = this.#memberOf(input.groupId, input.memberId);
      this.#touch(group, member);
      let woken = false;
      let wake: () => void = () => {};
      const wakeup = new Promise<void>((resolve) => {
        wake = () => {
          woken = true;
          resolve();
        };
      });
      // Registered before looking, so an append between the look and the wait is not missed.
      group.wakers.add(wake);
      const unregister = this.#waiters.register(
        member.topics.flatMap((topic) =>
          Array.from({ length: this.#topics.get(topic)?.partitions ?? 0 }, (_, partition) => ({ topic, partition })),
        ),
        wake,
      );
      let timer: { cancel(): void } | undefined;
      try {
        const records = await this.#acquire(group, member, input.maxRecords);
        if (records.length > 0 || this.#closed || input.signal?.aborted) return records;
        const remaining = deadline - this.#scheduler.now();
        if (remaining <= 0) return records;
        if (!woken) {
          timer = this.#scheduler.schedule(remaining, wake);
          input.signal?.addEventListener('abort', wake, { once: true });
          await wakeup;
        }
      } finally {
        timer?.cancel();
        input.signal?.removeEventListener('abort', wake);
        group.wakers.delete(wake);
        unregister();
      }
    }
  }

  async #acquire(group: ShareGroup, member: ShareMember, maxRecords: number): Promise<FetchedRecord[]> {
    const lanes = member.topics.flatMap((topic) => {
      const partitions = this.#topics.get(topic)?.partitions ?? 0;
      return Array.from({ length: partitions }, (_, p) => group.lanes.get(partitionKey(topic, p))).filter(
        (lane): lane is ShareLane => lane !== undefined,
      );
    });
    if (lanes.length === 0) return [];
    const first = member.cursor++ % lanes.length;
    const out: FetchedRecord[] = [];
    const stored: Promise<void>[] = [];
    for (let i = 0; i < lanes.length; i++) {
      const lane = lanes[(first + i) % lanes.length]!;
      const filling = this.#fill(group, lane);
      // A read past the window's end brings records after every loaded one: a fetch the window can serve
      // already does not wait for it. Parked records read back after a restart come first: waited for.
      if (!lane.loadingAhead || lane.sp.availableCount < maxRecords - out.length) await filling;
      if (group.members.get(member.id) !== member) break;
      const want = Math.min(maxRecords - out.length, member.maxInFlight - this.#held(group, member.id));
      if (want <= 0) break;
      const acquired = lane.sp.acquire(member.id, want, this.#scheduler.now(), group.config.lockTimeoutMs);
      if (acquired.length === 0) continue;
      stored.push(this.#commit(group, lane));
      this.#arm(group, lane);
      for (const { record, deliveryCount } of acquired)
        out.push(new AcquiredRecord(lane.topic, lane.partition, deliveryCount, record));
    }
    // The delivery counts are stored before the records leave: a crash cannot forget a delivery.
    await Promise.all(stored);
    return out;
  }

  /**
   * Loads records into the lane's window while it has room: from the records already decoded ahead when
   * there are some (no I/O), else with one read of the log (one read at a time per lane).
   */
  #fill(group: ShareGroup, lane: ShareLane): Promise<void> {
    if (lane.loading) return lane.loading;
    const log = this.#topics.log(lane.topic, lane.partition);
    if (!log) return Promise.resolve();
    const sp = lane.sp;
    if (log.logStartOffset > sp.startOffset) {
      sp.skipTo(log.logStartOffset);
      void this.#commit(group, lane).catch((err) => this.#persistFailed(err, group, lane));
    }
    const parked = sp.parkedToLoad;
    if (parked.length > 0) {
      // After a restart: the parked records (below the start offset) are read back first.
      lane.loading = readShareRecordsAt(log, parked)
        .then(({ records, gone }) => {
          if (lane.sp !== sp) return;
          sp.loadParked(records, gone, this.#scheduler.now());
          void this.#commit(group, lane).catch((err) => this.#persistFailed(err, group, lane));
          this.#arm(group, lane);
          this.#drainDeadLetters(group, lane);
          group.wake();
        })
        .catch((err) =>
          this.#logger.warn(
            { err, group: group.id, topic: lane.topic, partition: lane.partition },
            'share group could not read its parked records',
          ),
        )
        .finally(() => {
          lane.loading = null;
        });
      return lane.loading;
    }
    if (sp.room === 0 || this.#loadReadAhead(group, lane) || sp.loadedEnd >= log.logEndOffset) return Promise.resolve();
    lane.loadingAhead = true;
    lane.loading = readShareRecords(log, sp.loadedEnd, READ_AHEAD_WINDOWS * this.#config.windowRecords)
      .then((read) => {
        if (lane.sp !== sp) return;
        lane.readAhead = read;
        lane.readAheadNext = 0;
        this.#loadReadAhead(group, lane);
      })
      .catch((err) =>
        this.#logger.warn(
          { err, group: group.id, topic: lane.topic, partition: lane.partition },
          'share group could not read records',
        ),
      )
      .finally(() => {
        lane.loading = null;
        lane.loadingAhead = false;
      });
    return lane.loading;
  }

  /** Moves records decoded ahead into the window, as many as it has room for; false when none are left. */
  #loadReadAhead(group: ShareGroup, lane: ShareLane): boolean {
    const sp = lane.sp;
    const ahead = lane.readAhead;
    let next = lane.readAheadNext;
    while (next < ahead.records.length && ahead.records[next]!.offset < sp.loadedEnd) next++;
    lane.readAheadNext = next;
    if (next >= ahead.records.length && ahead.nextOffset <= sp.loadedEnd) return false;
    const taking = ahead.records.slice(next, next + sp.room);
    const end = next + taking.length;
    sp.load(taking, end < ahead.records.length ? ahead.records[end]!.offset : ahead.nextOffset, this.#scheduler.now());
    lane.readAheadNext = end;
    void this.#commit(group, lane).catch((err) => this.#persistFailed(err, group, lane));
    this.#arm(group, lane);
    this.#drainDeadLetters(group, lane);
    return true;
  }

  // ── acknowledgement ─────────────────────────────────────────────────────────────────────────────

  /**
   * Settles records the member holds; resolves once every change is stored. Returns the offsets that could
   * not be settled (not held by this member), each with its error; an empty list when all were.
   */
  async acknowledge(groupId: string, memberId: string, acks: readonly AckEntry[]): Promise<AckResult[]> {
    const { group, member } = this.#memberOf(groupId, memberId);
    this.#touch(group, member);
    const { results, stored } = this.#settle(group, member, acks);
    await stored;
    return results;
  }

  /**
   * A fetch that carries the member's acknowledgements (as Kafka's ShareFetch does): they are settled
   * first, so the slots they free count, then records are acquired, and one state write stores both.
   * With acknowledgements it does not long-poll: their answer is not held back waiting for records.
   */
  async acknowledgeAndFetch(
    input: ShareFetchInput & { readonly acks: readonly AckEntry[] },
  ): Promise<{ acks: AckResult[]; records: FetchedRecord[] }> {
    if (input.acks.length === 0) return { acks: [], records: await this.fetch(input) };
    const { group, member } = this.#memberOf(input.groupId, input.memberId);
    this.#touch(group, member);
    const { results, stored } = this.#settle(group, member, input.acks);
    const [records] = await Promise.all([this.fetch({ ...input, maxWaitMs: 0 }), stored]);
    return { acks: results, records };
  }

  /** Applies acknowledgements in memory and starts storing them (the promise). */
  #settle(
    group: ShareGroup,
    member: ShareMember,
    acks: readonly AckEntry[],
  ): { results: AckResult[]; stored: Promise<unknown> } {
    const now = this.#scheduler.now();
    let offsets = 0;
    for (const ack of acks) {
      const last = ack.lastOffset ?? ack.offset;
      if (last < ack.offset)
        throw new ShareError(
          'invalid-value',
          `an acknowledgement range ends (${last}) before it starts (${ack.offset})`,
        );
      offsets += last - ack.offset + 1;
    }
    if (offsets > MAX_ACK_OFFSETS)
      throw new ShareError('invalid-value', `one request settles at most ${MAX_ACK_OFFSETS} records, got ${offsets}`);
    const touched = new Set<ShareLane>();
    const failures: AckResult[] = [];
    let lane: ShareLane | undefined;
    for (const ack of acks) {
      if (lane?.topic !== ack.topic || lane.partition !== ack.partition)
        lane = group.lanes.get(partitionKey(ack.topic, ack.partition));
      const last = ack.lastOffset ?? ack.offset;
      if (!lane) {
        for (let offset = ack.offset; offset <= last; offset++) {
          const why = `${ack.topic}-${ack.partition} offset ${offset} was not delivered to this group`;
          failures.push({ topic: ack.topic, partition: ack.partition, offset, error: new ShareError('not-held', why) });
        }
        continue;
      }
      const options = { error: ack.error?.slice(0, MAX_ERROR_LENGTH) ?? undefined, lockMs: group.config.lockTimeoutMs };
      const taken = lane.sp.acknowledgeRange(member.id, ack.offset, last, ack.type, now, options, (offset, error) =>
        failures.push({ topic: ack.topic, partition: ack.partition, offset, error }),
      );
      if (taken > 0) touched.add(lane);
    }
    const stored = [...touched].map((lane) => {
      const committed = this.#commit(group, lane);
      this.#arm(group, lane);
      this.#drainDeadLetters(group, lane);
      return committed;
    });
    if (touched.size > 0) group.wake();
    return { results: failures, stored: Promise.all(stored) };
  }

  // ── admin ───────────────────────────────────────────────────────────────────────────────────────

  list(): ShareGroupListing[] {
    return [...this.#groups.values()].map((group) => ({
      groupId: group.id,
      state: group.members.size > 0 ? 'Stable' : 'Empty',
      members: group.members.size,
    }));
  }

  /** The dead-letter topics share groups set in their settings (groups on the `<topic>.dlq` default add none). */
  configuredDeadLetterTopics(): Set<string> {
    const names = new Set<string>();
    for (const group of this.#groups.values())
      if (group.config.deadLetterTopic !== null) names.add(group.config.deadLetterTopic);
    return names;
  }

  async describe(groupId: string): Promise<ShareGroupDescription> {
    const group = this.#groups.get(groupId);
    if (!group) throw new ShareError('unknown-group', `share group "${groupId}" does not exist`);
    const writes: StateRecord[] = [];
    for (const replay of [...group.replayed.values()])
      this.#lane(group, replay.topic, replay.partition, 'earliest', writes);
    await this.#store.append(writes);
    const lanes = [...group.lanes.values()].sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
    await Promise.all(lanes.map((lane) => this.#fill(group, lane)));
    return {
      groupId,
      state: group.members.size > 0 ? 'Stable' : 'Empty',
      config: group.config,
      members: [...group.members.values()].map((m) => ({
        memberId: m.id,
        clientId: m.clientId,
        clientHost: m.clientHost,
        topics: m.topics,
        maxInFlight: m.maxInFlight,
        held: this.#held(group, m.id),
      })),
      partitions: lanes.map((lane) => {
        const now = this.#scheduler.now();
        lane.sp.tick(now);
        const logEndOffset = this.#topics.log(lane.topic, lane.partition)?.logEndOffset ?? lane.sp.loadedEnd;
        const { loadedEnd: _, ...summary } = lane.sp.summary(logEndOffset, now);
        return { topic: lane.topic, partition: lane.partition, ...summary, logEndOffset };
      }),
    };
  }

  /** Deletes an empty group and forgets its state. */
  async delete(groupId: string): Promise<void> {
    const group = this.#groups.get(groupId);
    if (!group) throw new ShareError('unknown-group', `share group "${groupId}" does not exist`);
    if (group.members.size > 0)
      throw new ShareError(
        'group-not-empty',
        `share group "${groupId}" has ${membersText(group.members.size)}: stop ${group.members.size === 1 ? 'it' : 'them'} first`,
      );
    for (const lane of group.lanes.values()) lane.timer?.cancel();
    this.#groups.delete(groupId);
    this.#deletedEpochs.set(groupId, group.epoch + 1);
    await this.#store.append([encodeGroup(groupId, group.epoch + 1, null)]);
  }

  /**
   * Moves an empty group's start offset on the partitions of `topic` (all, or those listed): records
   * before it are treated as settled, records from it on as never delivered (delivery counts start over).
   */
  async resetStartOffset(
    groupId: string,
    topic: string,
    partitions: readonly number[] | null,
    target: ResetTarget,
  ): Promise<Array<{ partition: number; startOffset: number }>> {
    const group = this.#groups.get(groupId);
    if (!group) throw new ShareError('unknown-group', `share group "${groupId}" does not exist`);
    if (group.members.size > 0)
      throw new ShareError(
        'group-not-empty',
        `share group "${groupId}" has ${membersText(group.members.size)}: stop ${group.members.size === 1 ? 'it' : 'them'} first`,
      );
    const count = this.#topics.get(topic)?.partitions;
    if (count === undefined) throw new ShareError('unknown-topic', `topic "${topic}" does not exist`);
    const chosen = partitions ?? Array.from({ length: count }, (_, p) => p);
    for (const p of chosen)
      if (!Number.isSafeInteger(p) || p < 0 || p >= count)
        throw new ShareError('invalid-value', `topic "${topic}" has no partition ${p} (it has ${count})`);
    const results: Array<{ partition: number; startOffset: number }> = [];
    const writes: StateRecord[] = [];
    for (const p of chosen) {
      const log = this.#topics.log(topic, p)!;
      let startOffset: number;
      if ('timestamp' in target)
        startOffset = (await log.offsetForTimestamp(target.timestamp))?.offset ?? log.logEndOffset;
      else startOffset = target.to === 'earliest' ? log.logStartOffset : log.logEndOffset;
      const key = partitionKey(topic, p);
      const old = group.lanes.get(key);
      const partitionEpoch = (old?.partitionEpoch ?? group.replayed.get(key)?.partitionEpoch ?? 0) + 1;
      old?.timer?.cancel();
      group.replayed.delete(key);
      const lane = new ShareLane(topic, p, this.#newPartition(group, startOffset), partitionEpoch);
      group.lanes.set(key, lane);
      writes.push(encodeStart(group.id, topic, p, { group: group.epoch, partition: partitionEpoch }, startOffset));
      results.push({ partition: p, startOffset });
    }
    await this.#store.append(writes);
    return results;
  }

  /**
   * A topic was deleted: every group forgets its state on it (a start offset of -1 at a new partition
   * epoch marks it in the state topic), so a topic created again under the name starts afresh.
   */
  async topicDeleted(topic: string): Promise<void> {
    const writes: StateRecord[] = [];
    for (const group of this.#groups.values()) {
      const keys = new Map<string, { partition: number; epoch: number }>();
      for (const [key, lane] of group.lanes)
        if (lane.topic === topic) keys.set(key, { partition: lane.partition, epoch: lane.partitionEpoch });
      for (const [key, replay] of group.replayed)
        if (replay.topic === topic) keys.set(key, { partition: replay.partition, epoch: replay.partitionEpoch });
      for (const [key, { partition, epoch }] of keys) {
        group.lanes.get(key)?.timer?.cancel();
        group.lanes.delete(key);
        group.replayed.delete(key);
        group.forgotten.set(key, { topic, partition, epoch: epoch + 1 });
        writes.push(encodeStart(group.id, topic, partition, { group: group.epoch, partition: epoch + 1 }, -1));
      }
      if (keys.size > 0) group.wake();
    }
    await this.#store.append(writes);
  }

  // ── internals ───────────────────────────────────────────────────────────────────────────────────

  #memberOf(groupId: string, memberId: string): { group: ShareGroup; member: ShareMember } {
    const group = this.#groups.get(groupId);
    const member = group?.members.get(memberId);
    if (!group || !member) {
      throw new ShareError(
        'unknown-member',
        `member ${memberId || '(none)'} is not in share group "${groupId}" (it left, its session expired or the broker restarted): join again`,
      );
    }
    return { group, member };
  }

  /** The lane of a partition, opened from the replayed state or started at `startFrom`. */
  #lane(
    group: ShareGroup,
    topic: string,
    partition: number,
    startFrom: 'earliest' | 'latest',
    writes: StateRecord[],
  ): ShareLane {
    const key = partitionKey(topic, partition);
    const open = group.lanes.get(key);
    if (open) return open;
    const replay = group.replayed.get(key);
    let lane: ShareLane;
    if (replay) {
      group.replayed.delete(key);
      lane = new ShareLane(
        topic,
        partition,
        new SharePartition({
          startOffset: replay.startOffset,
          retry: group.config.retry,
          windowRecords: this.#config.windowRecords,
          parkedRecords: this.#config.parkedRecords,
          random: this.#random,
          restored: replay.records,
        }),
        replay.partitionEpoch,
      );
    } else {
      const log = this.#topics.log(topic, partition);
      const startOffset = startFrom === 'earliest' ? (log?.logStartOffset ?? 0) : (log?.logEndOffset ?? 0);
      const epoch = (group.forgotten.get(key)?.epoch ?? -1) + 1;
      group.forgotten.delete(key);
      lane = new ShareLane(topic, partition, this.#newPartition(group, startOffset), epoch);
      writes.push(encodeStart(group.id, topic, partition, { group: group.epoch, partition: epoch }, startOffset));
    }
    group.lanes.set(key, lane);
    return lane;
  }

  #newPartition(group: ShareGroup, startOffset: number): SharePartition {
    return new SharePartition({
      startOffset,
      retry: group.config.retry,
      windowRecords: this.#config.windowRecords,
      parkedRecords: this.#config.parkedRecords,
      random: this.#random,
    });
  }

  /** Appends the lane's changes since the last commit (started now, so appends keep the order of changes). */
  #commit(group: ShareGroup, lane: ShareLane): Promise<void> {
    const { runs, startOffset } = lane.sp.takeChanges();
    if (runs.empty && startOffset === undefined) return Promise.resolve();
    const epochs = { group: group.epoch, partition: lane.partitionEpoch };
    const stored = this.#store.append([encodeChanges(group.id, lane.topic, lane.partition, epochs, startOffset, runs)]);
    lane.committed = stored.catch(() => undefined);
    if (this.#store.wantsSnapshot) this.#snapshot();
    return stored;
  }

  /**
   * Hands the state store every live value (groups, deleted groups' epochs, start offsets, records in
   * flight, and what was replayed but not opened yet), taken in one synchronous step, so it can drop
   * everything written before (state-store.ts).
   */
  #snapshot(): void {
    const records: StateRecord[] = [];
    for (const [groupId, epoch] of this.#deletedEpochs) records.push(encodeGroup(groupId, epoch, null));
    for (const group of this.#groups.values()) {
      records.push(encodeGroup(group.id, group.epoch, group.config));
      for (const { topic, partition, epoch } of group.forgotten.values()) {
        records.push(encodeStart(group.id, topic, partition, { group: group.epoch, partition: epoch }, -1));
      }
      for (const replay of group.replayed.values()) {
        const epochs = { group: group.epoch, partition: replay.partitionEpoch };
        records.push(encodeStart(group.id, replay.topic, replay.partition, epochs, replay.startOffset));
        for (const state of replay.records.values())
          records.push(encodeRecordState(group.id, replay.topic, replay.partition, epochs, state));
      }
      for (const lane of group.lanes.values()) {
        const epochs = { group: group.epoch, partition: lane.partitionEpoch };
        records.push(encodeStart(group.id, lane.topic, lane.partition, epochs, lane.sp.startOffset));
        for (const state of lane.sp.snapshot())
          records.push(encodeRecordState(group.id, lane.topic, lane.partition, epochs, state));
      }
    }
    this.#store
      .snapshot(records)
      .catch((err) => this.#logger.error({ err }, 'share group state snapshot failed (retried later)'));
  }

  #persistFailed(err: unknown, group: ShareGroup, lane: ShareLane): void {
    this.#logger.error(
      { err, group: group.id, topic: lane.topic, partition: lane.partition },
      'share group state could not be stored',
    );
  }

  /** One timer per lane, at its next lock expiry or due record. */
  #arm(group: ShareGroup, lane: ShareLane): void {
    const at = lane.sp.nextDeadline;
    if (at === lane.timerAt || this.#closed) return;
    lane.timer?.cancel();
    lane.timer = null;
    lane.timerAt = at;
    if (!Number.isFinite(at)) return;
    lane.timer = this.#scheduler.schedule(Math.max(0, at - this.#scheduler.now()), () => {
      lane.timer = null;
      lane.timerAt = Number.POSITIVE_INFINITY;
      if (group.lanes.get(partitionKey(lane.topic, lane.partition)) !== lane) return;
      lane.sp.tick(this.#scheduler.now());
      this.#commit(group, lane).catch((err) => this.#persistFailed(err, group, lane));
      this.#arm(group, lane);
      this.#drainDeadLetters(group, lane);
      group.wake();
    });
  }

  /**
   * Writes the lane's pending dead letters to the DLQ topic, then settles them: their `deadLettering`
   * state is stored first, so a crash in between writes them again (a duplicate), never loses them.
   * A failed write (the DLQ topic cannot be created, a full disk) is retried with a growing pause.
   */
  #drainDeadLetters(group: ShareGroup, lane: ShareLane): void {
    if (lane.deadLettering || this.#closed) return;
    const pending = lane.sp.pendingDeadLetters();
    if (pending.length === 0) return;
    lane.deadLettering = true;
    const sp = lane.sp;
    const source = {
      groupId: group.id,
      topic: lane.topic,
      partition: lane.partition,
      deadLetterTopic: group.config.deadLetterTopic,
    };
    lane.committed
      .then(() => this.#deadLetters.write(source, pending))
      .then(
        () => {
          lane.deadLettering = false;
          lane.deadLetterRetryMs = 0;
          if (lane.sp !== sp || this.#groups.get(group.id) !== group) return;
          for (const letter of pending) sp.deadLettered(letter.record.offset);
          this.#commit(group, lane).catch((err) => this.#persistFailed(err, group, lane));
          this.#drainDeadLetters(group, lane);
        },
        (err: unknown) => {
          lane.deadLettering = false;
          lane.deadLetterRetryMs = Math.min(DEAD_LETTER_RETRY_MAX_MS, Math.max(500, lane.deadLetterRetryMs * 2));
          this.#logger.warn(
            {
              err,
              group: group.id,
              topic: lane.topic,
              partition: lane.partition,
              records: pending.length,
              retryInMs: lane.deadLetterRetryMs,
            },
            `share group could not write dead letters: ${(err as Error).message}`,
          );
          this.#scheduler.schedule(lane.deadLetterRetryMs, () => this.#drainDeadLetters(group, lane));
        },
      );
  }

  #held(group: ShareGroup, memberId: string): number {
    let held = 0;
    for (const lane of group.lanes.values()) held += lane.sp.heldCount(memberId);
    return held;
  }

  /** The member was heard from: its session runs for another sessionTimeoutMs (one timer, moved on lazily). */
  #touch(group: ShareGroup, member: ShareMember): void {
    member.seenAt = this.#scheduler.now();
    if (member.session === null) this.#armSession(group, member, this.#config.sessionTimeoutMs);
  }

  #armSession(group: ShareGroup, member: ShareMember, ms: number): void {
    member.session = this.#scheduler.schedule(ms, () => {
      member.session = null;
      if (group.members.get(member.id) !== member) return;
      const quiet = this.#scheduler.now() - member.seenAt;
      if (quiet < this.#config.sessionTimeoutMs) {
        this.#armSession(group, member, this.#config.sessionTimeoutMs - quiet);
        return;
      }
      this.#logger.info({ group: group.id, member: member.id }, 'share group member session expired');
      this.#removeMember(group, member).catch((err) => this.#logger.error({ err }, 'removing an expired share member'));
    });
  }

  async #removeMember(group: ShareGroup, member: ShareMember): Promise<void> {
    member.session?.cancel();
    group.members.delete(member.id);
    const stored: Promise<void>[] = [];
    for (const lane of group.lanes.values()) {
      if (lane.sp.heldCount(member.id) === 0) continue;
      lane.sp.releaseMember(member.id);
      stored.push(this.#commit(group, lane));
      this.#arm(group, lane);
      this.#drainDeadLetters(group, lane);
    }
    group.wake();
    await Promise.all(stored);
  }

  #heartbeatResult(memberId: string, lockTimeoutMs: number): HeartbeatResult {
    return {
      memberId,
      heartbeatIntervalMs: this.#config.heartbeatIntervalMs,
      sessionTimeoutMs: this.#config.sessionTimeoutMs,
      lockTimeoutMs,
    };
  }

  #validateHeartbeat(input: HeartbeatInput): void {
    if (input.groupId === '') throw new ShareError('invalid-value', 'a share group id must not be empty');
    const limit = this.#config.maxInFlightLimit;
    if (!Number.isSafeInteger(input.maxInFlight) || input.maxInFlight < 1 || input.maxInFlight > limit)
      throw new ShareError('invalid-value', `maxInFlight must be from 1 to ${limit}, got ${input.maxInFlight}`);
    for (const topic of input.topics)
      if (!isValidTopicName(topic)) throw new ShareError('invalid-value', `"${topic}" is not a valid topic name`);
  }

  #configFor(group: ShareGroup | undefined, input: HeartbeatInput): ShareGroupConfig {
    const { maxLockTimeoutMs, defaultLockTimeoutMs } = this.#config;
    const lockTimeoutMs = input.lockTimeoutMs ?? group?.config.lockTimeoutMs ?? defaultLockTimeoutMs;
    if (!Number.isSafeInteger(lockTimeoutMs) || lockTimeoutMs < 100 || lockTimeoutMs > maxLockTimeoutMs)
      throw new ShareError(
        'invalid-value',
        `lockTimeoutMs must be from 100 to ${maxLockTimeoutMs}, got ${lockTimeoutMs}`,
      );
    const retry = input.retry ? resolveRetryPolicy(input.retry) : (group?.config.retry ?? resolveRetryPolicy());
    const deadLetterTopic = input.deadLetterTopic ?? group?.config.deadLetterTopic ?? null;
    if (deadLetterTopic !== null && !isValidTopicName(deadLetterTopic))
      throw new ShareError('invalid-value', `deadLetterTopic "${deadLetterTopic}" is not a valid topic name`);
    if (deadLetterTopic?.startsWith('__'))
      throw new ShareError(
        'invalid-value',
        `deadLetterTopic "${deadLetterTopic}": names starting "__" are the broker's own`,
      );
    return Object.freeze({ retry, lockTimeoutMs, deadLetterTopic });
  }
}

function sameConfig(a: ShareGroupConfig, b: ShareGroupConfig): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** "1 member", "3 members". */
function membersText(count: number): string {
  return `${count} member${count === 1 ? '' : 's'}`;
}
