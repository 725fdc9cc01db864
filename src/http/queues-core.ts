// The HTTP door's way into queues: share groups (the broker's ShareCoordinator: list, describe, delete,
// reset, and membership for WebSocket share subscriptions) and dead-letter topics (found, peeked at and
// requeued through HttpCore's reads, produces and commits). Requeue follows the rules of
// src/client/share/requeue-plan.ts, the same as `sluice dlq requeue`: which records move, how the copies
// look, and the progress kept as the commits of the group `sluice-dlq-requeue`, so a record requeued from
// the console is not moved again by the CLI, and the other way round.
import { failureOf, type Failure, hasDlqName, isDeadLettered, REQUEUE_GROUP } from '../client/share/dead-letters.js';
import { type RequeueOptions, RequeueRun, type RequeueTally } from '../client/share/requeue-plan.js';
import { RequeueProgress } from '../client/share/requeue-progress.js';
import { SHARE_PROBLEM_CODES } from '../broker/handlers/share-errors.js';
import type { BrokerContext } from '../broker/handlers/types.js';
import {
  type AckEntry,
  type AckResult,
  type FetchedRecord,
  type HeartbeatInput,
  type HeartbeatResult,
  type ResetTarget as ShareResetTarget,
  ShareError,
  type ShareGroupDescription,
  type ShareGroupListing,
} from '../broker/share/index.js';
import { isValidTopicName, TOPIC_NAME_RULE } from '../protocol/index.js';
import { isInternalTopicName } from '../broker/security/acl/internal-topics.js';
import { type ConsumedRecord, CoreError, type HttpCore, type RequestedBy } from './core.js';

/** Records read per step while requeueing. */
const REQUEUE_READ_RECORDS = 500;
const REQUEUE_READ_BYTES = 4 * 1024 * 1024;

export interface DeadLetterTopic {
  topic: string;
  partitions: number;
  records: number;
  /** Records a requeue (console, REST or CLI) has not moved yet. */
  notRequeued: number;
}

export interface DeadLetter extends ConsumedRecord {
  failure: Failure;
}

export interface RequeueResult {
  dryRun: boolean;
  tally: RequeueTally;
  /** Sentences for what was left in place and why (empty when nothing was). */
  problems: string[];
}

export interface ShareMemberInput {
  groupId: string;
  /** '' to join. */
  memberId: string;
  topics: string[];
  maxInFlight: number;
  startFrom: 'earliest' | 'latest';
  clientId: string;
  clientHost: string;
  /**
   * The group settings a joining member declares (as an SDK member does: lock timeout, retry policy,
   * dead-letter topic); absent or null ones keep the group's, else the broker's defaults.
   */
  settings?: ShareGroupSettings;
}

export interface ShareGroupSettings {
  lockTimeoutMs: HeartbeatInput['lockTimeoutMs'];
  retry: HeartbeatInput['retry'];
  deadLetterTopic: HeartbeatInput['deadLetterTopic'];
}

/** A share-group refusal as a CoreError with the wire name the native handlers use. */
function shareRefusal(error: unknown): never {
  if (error instanceof ShareError) throw new CoreError(SHARE_PROBLEM_CODES[error.problem], error.message);
  throw error;
}

export class QueuesCore {
  readonly #broker: BrokerContext;
  readonly #core: HttpCore;
  /** One requeue per DLQ topic at a time (a second waits): two at once could move a record twice. */
  readonly #requeues = new Map<string, Promise<unknown>>();

  constructor(broker: BrokerContext, core: HttpCore) {
    this.#broker = broker;
    this.#core = core;
  }

  /** True once the broker is stopping: share fetches answer at once with nothing. */
  get stopping(): boolean {
    return this.#broker.stopping;
  }

  // ── share groups ────────────────────────────────────────────────────────────────────────────────

  shareGroups(): ShareGroupListing[] {
    return this.#broker.shares.list().sort((a, b) => (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0));
  }

  async shareGroup(groupId: string): Promise<ShareGroupDescription> {
    try {
      return await this.#broker.shares.describe(groupId);
    } catch (error) {
      shareRefusal(error);
    }
  }

  async deleteShareGroup(groupId: string): Promise<void> {
    try {
      await this.#broker.shares.delete(groupId);
    } catch (error) {
      shareRefusal(error);
    }
  }

  async resetShareGroup(
    groupId: string,
    topic: string,
    partitions: number[] | null,
    target: ShareResetTarget,
  ): Promise<Array<{ partition: number; startOffset: number }>> {
    try {
      return await this.#broker.shares.resetStartOffset(groupId, topic, partitions, target);
    } catch (error) {
      shareRefusal(error);
    }
  }

  /** Joins (memberId '') or heartbeats a share-group member, declaring the group settings it was given. */
  async shareHeartbeat(input: ShareMemberInput): Promise<HeartbeatResult> {
    const { settings, ...member } = input;
    try {
      return await this.#broker.shares.heartbeat({
        ...member,
        leave: false,
        lockTimeoutMs: settings?.lockTimeoutMs ?? null,
        retry: settings?.retry ?? null,
        deadLetterTopic: settings?.deadLetterTopic ?? null,
      });
    } catch (error) {
      shareRefusal(error);
    }
  }

  async shareLeave(groupId: string, memberId: string): Promise<void> {
    await this.#broker.shares
      .heartbeat({
        groupId,
        memberId,
        leave: true,
        topics: [],
        maxInFlight: 1,
        startFrom: 'latest',
        lockTimeoutMs: null,
        retry: null,
        deadLetterTopic: null,
        clientId: '',
        clientHost: '',
      })
      .catch(() => undefined);
  }

  async shareFetch(
    groupId: string,
    memberId: string,
    maxRecords: number,
    maxWaitMs: number,
    signal: AbortSignal,
  ): Promise<FetchedRecord[]> {
    try {
      return await this.#broker.shares.fetch({ groupId, memberId, maxRecords, maxWaitMs, signal });
    } catch (error) {
      shareRefusal(error);
    }
  }

  async shareAcknowledge(groupId: string, memberId: string, acks: AckEntry[]): Promise<AckResult[]> {
    try {
      return await this.#broker.shares.acknowledge(groupId, memberId, acks);
    } catch (error) {
      shareRefusal(error);
    }
  }

  // ── dead-letter topics ──────────────────────────────────────────────────────────────────────────

  /**
   * Topics named `<topic>.dlq` or set as a share group's dead-letter topic, and (unless `byName`) those whose
   * first record of a non-empty partition is a dead letter, as `sluice dlq list` finds them. `byName` reads
   * no records (for /metrics).
   */
  async deadLetterTopics(options: { byName?: boolean } = {}): Promise<DeadLetterTopic[]> {
    const result: DeadLetterTopic[] = [];
    const configured = this.#broker.shares.configuredDeadLetterTopics();
    for (const topic of this.#core.topics()) {
      if (topic.internal) continue;
      const parts = this.#core.partitions(topic.name);
      let isDlq = hasDlqName(topic.name) || configured.has(topic.name);
      for (const p of parts) {
        if (options.byName) break;
        if (isDlq) break;
        if (p.highWatermark <= p.logStartOffset) continue;
        const first = await this.#core.read(topic.name, p.partition, p.logStartOffset, { maxRecords: 1, maxBytes: 1 });
        isDlq = first.records.some((r) => isDeadLettered(r.headers));
      }
      if (!isDlq) continue;
      const progress = this.#progress(topic.name);
      result.push({
        topic: topic.name,
        partitions: parts.length,
        records: parts.reduce((n, p) => n + (p.highWatermark - p.logStartOffset), 0),
        notRequeued: parts.reduce(
          (n, p) => n + progress(p.partition, p.logStartOffset).notRequeuedIn(p.logStartOffset, p.highWatermark),
          0,
        ),
      });
    }
    return result;
  }

  /** Up to `max` dead letters of a partition from `offset` on, with their failure headers read. */
  async peek(topic: string, partition: number, offset: number | undefined, max: number) {
    const from = offset ?? this.#core.partition(topic, partition).logStartOffset;
    const window = await this.#core.read(topic, partition, from, { maxRecords: max, maxBytes: 4 * 1024 * 1024 });
    const progress = this.#progress(topic)(partition, window.logStartOffset);
    return {
      ...window,
      records: window.records.map((r) => ({ ...r, failure: failureOf(r.headers), requeued: progress.has(r.offset) })),
    };
  }

  /**
   * Copies the DLQ's records back (to their source topics or `options.to`) by the rules `sluice dlq
   * requeue` follows, committing the progress after each batch is stored. A second call for the same
   * topic waits for the first. The copies are written as `as` (the requester: the Produce handler checks its
   * Write ACL on each target, as for `sluice dlq requeue`); the reads and the progress were authorized with
   * the route (route-acls.ts).
   */
  requeue(dlqTopic: string, options: RequeueOptions, as: RequestedBy): Promise<RequeueResult> {
    const previous = this.#requeues.get(dlqTopic) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => this.#requeue(dlqTopic, options, as));
    this.#requeues.set(dlqTopic, next);
    void next
      .catch(() => undefined)
      .then(() => {
        if (this.#requeues.get(dlqTopic) === next) this.#requeues.delete(dlqTopic);
      });
    return next;
  }

  async #requeue(dlqTopic: string, options: RequeueOptions, as: RequestedBy): Promise<RequeueResult> {
    if (options.to === dlqTopic)
      throw new CoreError('INVALID_REQUEST', `"to" is the DLQ topic ${dlqTopic} itself: give another topic`);
    this.#core.topic(dlqTopic);
    if (options.to !== undefined) {
      if (!isValidTopicName(options.to))
        throw new CoreError(
          'INVALID_TOPIC_EXCEPTION',
          `"to": "${options.to}" is not a topic name (${TOPIC_NAME_RULE})`,
        );
      if (isInternalTopicName(options.to))
        throw new CoreError('INVALID_REQUEST', `"to": ${options.to} is an internal topic: nothing is written to it`);
      this.#core.topic(options.to);
    }
    const run = new RequeueRun(dlqTopic, options, {
      exists: (topic) => this.#broker.topics.get(topic) !== undefined,
      partitionCount: async (topic) => this.#broker.topics.get(topic)?.partitions ?? 0,
    });
    const progressOf = this.#progress(dlqTopic);
    for (const bounds of this.#core.partitions(dlqTopic)) {
      const progress = progressOf(bounds.partition, bounds.logStartOffset);
      let offset = Math.max(bounds.logStartOffset, progress.committed);
      const end = bounds.highWatermark;
      let more = true;
      while (more && offset < end) {
        const window = await this.#core.read(dlqTopic, bounds.partition, offset, {
          maxRecords: Math.min(REQUEUE_READ_RECORDS, end - offset),
          maxBytes: REQUEUE_READ_BYTES,
        });
        const records = window.records.filter((r) => r.offset < end);
        if (window.nextOffset <= offset) break;
        offset = window.nextOffset;
        const planned = await run.plan(bounds.partition, progress, records);
        more = planned.more;
        if (options.dryRun || planned.copies.size === 0) continue;
        for (const [target, copies] of planned.copies) {
          const outcomes = await this.#core.produce(target, copies, as);
          const failed = outcomes.find((o) => !o.ok);
          if (failed && !failed.ok)
            throw new CoreError(failed.errorName, `writing requeued records to ${target}: ${failed.message}`);
        }
        await this.#core.commitOffsets({ groupId: REQUEUE_GROUP, generationId: -1, memberId: '' }, dlqTopic, [
          { partition: bounds.partition, offset: progress.committed, metadata: progress.metadata },
        ]);
      }
    }
    return { dryRun: options.dryRun === true, tally: run.tally, problems: problemsOf(run.tally) };
  }

  /** Each partition's requeue progress, from the requeue group's commits on `topic`. */
  #progress(topic: string): (partition: number, logStart: number) => RequeueProgress {
    const committed = this.#core.committed(REQUEUE_GROUP, topic);
    return (partition, logStart) => {
      const c = committed.get(partition);
      return RequeueProgress.fromCommit(c?.offset ?? -1, c?.metadata, logStart);
    };
  }
}

const records = (n: number) => `${n} record${n === 1 ? '' : 's'}`;

function problemsOf(tally: RequeueTally): string[] {
  const problems: string[] = [];
  if (tally.noSource > 0)
    problems.push(`${records(tally.noSource)} without a source-topic header left in place (give "to")`);
  for (const [target, n] of tally.missingTarget)
    problems.push(`${records(n)} left in place: topic "${target}" does not exist (create it, or give "to")`);
  if (tally.full.length > 0)
    problems.push(
      `stopped early in partition ${tally.full.join(', ')}: the records left behind by the filter are too scattered to record (requeue without a filter, or with another one, to move them)`,
    );
  return problems;
}
