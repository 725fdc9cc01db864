// The rules of requeueing dead letters, shared by `sluice dlq requeue` and the HTTP door's requeue route so
// both move the same records the same way; each caller does its own reading, writing and committing.
//
// A requeue copies records of a DLQ topic back to their source topic (or `to`), as new records, so share
// groups deliver them again from attempt 1: same key, value and headers, without the DLQ headers, plus
// `sluice-requeued-from: <dlq-topic>:<partition>:<offset>`. A copy goes to its source partition when it is
// written back to its source topic (keeping per-key order), else where its key sends it.
//
// Exactly-once moving across runs: the caller reads each DLQ partition from its RequeueProgress on, hands
// each batch of records to plan(), writes the copies with acks=all, then commits the progress as the
// offset and metadata of the group `sluice-dlq-requeue` (requeue-progress.ts). A crash between the
// acknowledgement and the commit moves that batch again on the next run (a duplicate, never a loss).
import { DLQ_HEADERS } from '../../records/queue-headers.js';
import { failureOf, type HeaderPairList, headerText, isDlqHeader } from './dead-letters.js';
import type { RequeueProgress } from './requeue-progress.js';

export interface RequeueOptions {
  /** Write to this topic instead of each record's source topic. */
  to?: string;
  /** Only records with these header values (all must match). */
  filter?: ReadonlyArray<readonly [string, string]>;
  /** Move at most this many records. */
  max?: number;
  /** Plan, move nothing. */
  dryRun?: boolean;
}

export interface DeadLetterRecord {
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: HeaderPairList;
}

export interface RequeueCopy {
  key: Buffer | null;
  value: Buffer | null;
  headers: Array<[string, Buffer | null]>;
  /** Set when the copy goes back to its source partition; else the key (or the producer) picks one. */
  partition?: number;
}

/** What the caller knows of the topics copies may go to. */
export interface RequeueTargets {
  exists(topic: string): boolean;
  partitionCount(topic: string): Promise<number>;
}

/** What one requeue run did, and what it left and why. */
export class RequeueTally {
  /** Source topic (or "(unknown source)") → records moved and where to. */
  readonly moved = new Map<string, { records: number; target: string }>();
  total = 0;
  alreadyRequeued = 0;
  notMatching = 0;
  /** Records left because they carry no source-topic header (and no `to` was given). */
  noSource = 0;
  /** Target topic → records left because it does not exist. */
  readonly missingTarget = new Map<string, number>();
  /** Partitions where the progress metadata is full. */
  readonly full: number[] = [];
}

export class RequeueRun {
  readonly tally = new RequeueTally();
  readonly #dlqTopic: string;
  readonly #options: RequeueOptions;
  readonly #targets: RequeueTargets;

  /** Throws (a plain Error with a sentence) when `to` is the DLQ topic itself. */
  constructor(dlqTopic: string, options: RequeueOptions, targets: RequeueTargets) {
    if (options.to === dlqTopic) throw new Error(`"to" is the DLQ topic ${dlqTopic} itself: give another topic`);
    this.#dlqTopic = dlqTopic;
    this.#options = options;
    this.#targets = targets;
  }

  /**
   * Decides for each record of one DLQ partition (in offset order, from its progress on) whether it moves,
   * marks the moved ones in `progress`, and returns the copies by target topic; `more` is false once this
   * partition should be read no further (max reached, or its progress metadata full).
   */
  async plan(
    partition: number,
    progress: RequeueProgress,
    records: readonly DeadLetterRecord[],
  ): Promise<{ copies: Map<string, RequeueCopy[]>; more: boolean }> {
    const tally = this.tally;
    const copies = new Map<string, RequeueCopy[]>();
    const filters = this.#options.filter ?? [];
    const max = this.#options.max ?? Number.POSITIVE_INFINITY;
    for (const record of records) {
      if (progress.has(record.offset)) {
        tally.alreadyRequeued++;
        continue;
      }
      if (!filters.every(([name, value]) => headerText(record.headers, name) === value)) {
        tally.notMatching++;
        continue;
      }
      if (tally.total >= max) return { copies, more: false };
      const failure = failureOf(record.headers);
      const target = this.#options.to ?? failure.sourceTopic;
      if (target === null) {
        tally.noSource++;
        continue;
      }
      if (!this.#targets.exists(target)) {
        tally.missingTarget.set(target, (tally.missingTarget.get(target) ?? 0) + 1);
        continue;
      }
      if (!progress.add(record.offset)) {
        tally.full.push(partition);
        return { copies, more: false };
      }
      const headers: Array<[string, Buffer | null]> = record.headers
        .filter(([name]) => !isDlqHeader(name))
        .map(([name, value]) => [name, value]);
      headers.push([DLQ_HEADERS.requeuedFrom, Buffer.from(`${this.#dlqTopic}:${partition}:${record.offset}`)]);
      const copy: RequeueCopy = { key: record.key, value: record.value, headers };
      const back = target === failure.sourceTopic && failure.sourcePartition !== null;
      if (back && failure.sourcePartition! < (await this.#targets.partitionCount(target)))
        copy.partition = failure.sourcePartition!;
      copies.set(target, [...(copies.get(target) ?? []), copy]);
      const source = failure.sourceTopic ?? '(unknown source)';
      const entry = tally.moved.get(source) ?? { records: 0, target };
      entry.records++;
      tally.moved.set(source, entry);
      tally.total++;
    }
    return { copies, more: true };
  }
}
