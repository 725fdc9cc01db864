// Committed offsets of every group, kept in memory and persisted in the internal topic `__consumer_offsets`
// (record layout: offsets-codec.ts). Writes go to the log first and become visible only once appended, in
// the order they were made (one serial chain), so the memory view always equals a replay of the log.
//
// Compaction: the log is replayed in full on start and the last value per key wins (tombstones delete).
// The topic is compacted (offsets-log.ts): the log cleaner removes superseded commits from sealed segments,
// which changes nothing a replay sees, since a key's last record and its offset order are kept.
import { buildRecordBatchSync, decodeRecordBatches, type RecordInput } from '../../records/index.js';
import {
  decodeEntry,
  encodeGroupKey,
  encodeGroupValue,
  encodeOffsetKey,
  encodeOffsetValue,
  type CommittedOffset,
  type GroupRecord,
} from './offsets-codec.js';

export const OFFSETS_TOPIC = '__consumer_offsets';

/** Where the store's records live: one partition of the internal topic (storage adapter: offsets-log.ts). */
export interface OffsetsLog {
  /** Appends one record batch; resolves once the log accepted it (per the topic's flush policy). */
  append(batch: Buffer): Promise<void>;
  /** Every stored batch from the log start to its end, as chunks of whole batches. */
  readAll(): AsyncIterable<Buffer>;
}

export interface OffsetCommitEntry {
  topic: string;
  partition: number;
  offset: number;
  metadata: string | null;
}

type TopicOffsets = Map<string, Map<number, CommittedOffset>>;

/** An in-memory OffsetsLog for unit tests and embedded use without persistence. */
export class MemoryOffsetsLog implements OffsetsLog {
  readonly batches: Buffer[] = [];
  failNextAppend: Error | null = null;

  async append(batch: Buffer): Promise<void> {
    if (this.failNextAppend) {
      const err = this.failNextAppend;
      this.failNextAppend = null;
      throw err;
    }
    this.batches.push(Buffer.from(batch));
  }

  async *readAll(): AsyncIterable<Buffer> {
    yield* this.batches;
  }
}

export class OffsetsStore {
  private readonly offsets = new Map<string, TopicOffsets>();
  private readonly groupRecords = new Map<string, GroupRecord>();
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly log: OffsetsLog) {}

  /** Rebuilds the memory view by replaying the whole log (last value per key wins). */
  async load(): Promise<{ records: number }> {
    this.offsets.clear();
    this.groupRecords.clear();
    let records = 0;
    for await (const chunk of this.log.readAll()) {
      for (const batch of await decodeRecordBatches(chunk)) {
        for (const record of batch.records) {
          records++;
          const entry = decodeEntry(record.key, record.value);
          if (entry?.kind === 'offset') this.applyOffset(entry.groupId, entry.topic, entry.partition, entry.value);
          else if (entry?.kind === 'group') this.applyGroup(entry.groupId, entry.value);
        }
      }
    }
    return { records };
  }

  get(groupId: string, topic: string, partition: number): CommittedOffset | undefined {
    return this.offsets.get(groupId)?.get(topic)?.get(partition);
  }

  /** topic → partition → offset, for one group (empty map when none). */
  offsetsOf(groupId: string): ReadonlyMap<string, ReadonlyMap<number, CommittedOffset>> {
    return this.offsets.get(groupId) ?? new Map();
  }

  groupRecord(groupId: string): GroupRecord | undefined {
    return this.groupRecords.get(groupId);
  }

  /** Every group that has committed offsets or a group record. */
  groupIds(): string[] {
    return [...new Set([...this.offsets.keys(), ...this.groupRecords.keys()])];
  }

  /** Newest commit timestamp among the group's offsets, or -1. */
  lastCommitTimestamp(groupId: string): number {
    let max = -1;
    for (const parts of this.offsetsOf(groupId).values())
      for (const o of parts.values()) max = Math.max(max, o.commitTimestamp);
    return max;
  }

  async commit(groupId: string, entries: OffsetCommitEntry[], timestamp: number): Promise<void> {
    if (entries.length === 0) return;
    const records = entries.map((e) => ({
      key: encodeOffsetKey(groupId, e.topic, e.partition),
      value: encodeOffsetValue({ offset: e.offset, metadata: e.metadata, commitTimestamp: timestamp }),
      timestamp,
    }));
    await this.write(records, () => {
      for (const e of entries)
        this.applyOffset(groupId, e.topic, e.partition, {
          offset: e.offset,
          metadata: e.metadata,
          commitTimestamp: timestamp,
        });
    });
  }

  async putGroup(groupId: string, record: GroupRecord): Promise<void> {
    const records = [
      { key: encodeGroupKey(groupId), value: encodeGroupValue(record), timestamp: record.stateTimestamp },
    ];
    await this.write(records, () => this.applyGroup(groupId, record));
  }

  /** Tombstones the given partitions' offsets of a group (all of them when `partitions` is omitted). */
  async deleteOffsets(
    groupId: string,
    timestamp: number,
    partitions?: Array<{ topic: string; partition: number }>,
  ): Promise<number> {
    const targets =
      partitions ??
      [...this.offsetsOf(groupId)].flatMap(([topic, parts]) =>
        [...parts.keys()].map((partition) => ({ topic, partition })),
      );
    const present = targets.filter((t) => this.get(groupId, t.topic, t.partition) !== undefined);
    if (present.length === 0) return 0;
    const records = present.map((t) => ({
      key: encodeOffsetKey(groupId, t.topic, t.partition),
      value: null,
      timestamp,
    }));
    await this.write(records, () => {
      for (const t of present) this.applyOffset(groupId, t.topic, t.partition, null);
    });
    return present.length;
  }

  /** Tombstones every offset and the group record of a group. */
  async deleteGroup(groupId: string, timestamp: number): Promise<void> {
    await this.deleteOffsets(groupId, timestamp);
    if (this.groupRecords.has(groupId)) {
      await this.write([{ key: encodeGroupKey(groupId), value: null, timestamp }], () =>
        this.applyGroup(groupId, null),
      );
    }
  }

  /** Tombstones every group's offsets for a deleted topic. */
  async deleteTopic(topic: string, timestamp: number): Promise<void> {
    for (const [groupId, topics] of [...this.offsets]) {
      const parts = topics.get(topic);
      if (parts)
        await this.deleteOffsets(
          groupId,
          timestamp,
          [...parts.keys()].map((partition) => ({ topic, partition })),
        );
    }
  }

  /** Resolves when every write issued so far has settled. */
  async drain(): Promise<void> {
    await this.chain.catch(() => undefined);
  }

  /** Appends one batch after every earlier write, then applies it to memory; a failed append changes nothing. */
  private write(records: RecordInput[], apply: () => void): Promise<void> {
    const batch = buildRecordBatchSync(records);
    const next = this.chain
      .catch(() => undefined)
      .then(async () => {
        await this.log.append(batch);
        apply();
      });
    this.chain = next;
    return next;
  }

  private applyOffset(groupId: string, topic: string, partition: number, value: CommittedOffset | null): void {
    let topics = this.offsets.get(groupId);
    if (value === null) {
      const parts = topics?.get(topic);
      parts?.delete(partition);
      if (parts?.size === 0) topics!.delete(topic);
      if (topics?.size === 0) this.offsets.delete(groupId);
      return;
    }
    if (!topics) this.offsets.set(groupId, (topics = new Map()));
    let parts = topics.get(topic);
    if (!parts) topics.set(topic, (parts = new Map()));
    parts.set(partition, value);
  }

  private applyGroup(groupId: string, value: GroupRecord | null): void {
    if (value === null) this.groupRecords.delete(groupId);
    else this.groupRecords.set(groupId, value);
  }
}
