// A share group's state as the internal topic `__share_group_state` keeps it (layout: state-codec.ts).
// Group commit: every append made during one turn of the event loop (the settlements and acquisitions
// of every request read in it) goes into one record batch, written once the turn's I/O callbacks have
// run (setImmediate); the partition log stores batches in call order and
// acknowledges each once it is as durable as the broker's flush policy promises (with flush=always, one
// fsync covers every batch written meanwhile). Callers append in the order their changes happened in
// memory, and batches keep that order, so a replay rebuilds the state the broker had acknowledged.
//
// Bounded size: once enough was written since the last snapshot, the owner hands in a snapshot (every
// live value, the same records a replay would rebuild the state from); once the batch holding it is
// stored, everything before that batch is dropped (the log's start offset moves there, and whole segments
// below it are deleted). A crash before the drop replays the old values and then the snapshot: the same
// state.
import type { PartitionLog } from '../../../storage/index.js';
import { buildRecordBatchSync, decodeRecordBatches } from '../../records/index.js';
import { PartitionOffsetsLog } from '../groups/index.js';
import { partitionKey } from '../partition-key.js';
import type { PersistedRecordState } from './record-state.js';
import { decodeStateEntry, type ShareGroupConfig } from './state-codec.js';

export const SHARE_STATE_TOPIC = '__share_group_state';

export interface ReplayedPartition {
  readonly topic: string;
  readonly partition: number;
  partitionEpoch: number;
  startOffset: number;
  readonly records: Map<number, PersistedRecordState>;
}

export interface ForgottenPartition {
  readonly topic: string;
  readonly partition: number;
  readonly epoch: number;
}

export interface ReplayedGroup {
  epoch: number;
  /** null: deleted (its epoch is kept so stale values stay stale). */
  config: ShareGroupConfig | null;
  /** By partitionKey(topic, partition). */
  readonly partitions: Map<string, ReplayedPartition>;
  /** Partitions whose topic was deleted: partitionKey → the epoch their state was forgotten at. */
  readonly forgotten: Map<string, ForgottenPartition>;
}

export interface StateRecord {
  readonly key: Buffer;
  readonly value: Buffer;
}

interface PendingBatch {
  readonly records: StateRecord[];
  readonly stored: Promise<void>;
  /** Where the batch landed in the log (set once written). */
  baseOffset: number;
  resolve(): void;
  reject(err: unknown): void;
}

export class ShareStateStore {
  readonly #log: PartitionLog;
  readonly #now: () => number;
  readonly #snapshotBytes: number;
  /** The batch collecting this turn's appends. */
  #pending: PendingBatch | null = null;
  #bytesSinceSnapshot = 0;
  #lastSnapshotBytes = 0;
  #snapshotting = false;

  constructor(log: PartitionLog, now: () => number, snapshotBytes: number) {
    this.#log = log;
    this.#now = now;
    this.#snapshotBytes = snapshotBytes;
  }

  /** Enough was written since the last snapshot that the owner should hand one in (`snapshot`). */
  get wantsSnapshot(): boolean {
    return (
      !this.#snapshotting && this.#bytesSinceSnapshot >= Math.max(this.#snapshotBytes, 2 * this.#lastSnapshotBytes)
    );
  }

  /**
   * Appends `records`, the whole live state, and once they are stored drops everything before the batch
   * that holds them. Resolves when done; a failure leaves the log as it was (and is retried later).
   */
  async snapshot(records: readonly StateRecord[]): Promise<void> {
    this.#snapshotting = true;
    this.#bytesSinceSnapshot = 0;
    try {
      const batch = this.#batch();
      for (const record of records) batch.records.push(record);
      await batch.stored;
      this.#lastSnapshotBytes = records.reduce((sum, r) => sum + r.key.length + r.value.length, 0);
      if (batch.baseOffset > this.#log.logStartOffset) await this.#log.deleteRecordsBefore(batch.baseOffset);
    } finally {
      this.#snapshotting = false;
    }
  }

  /**
   * Stores these records with every other append of this turn, as one batch; resolves once the log has
   * them as durably as its flush policy says. Calls are stored in call order.
   */
  append(records: readonly StateRecord[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    const batch = this.#batch();
    for (const record of records) batch.records.push(record);
    return batch.stored;
  }

  /** This turn's batch, opened (and its write scheduled) by the first append. */
  #batch(): PendingBatch {
    if (this.#pending) return this.#pending;
    let resolve!: () => void;
    let reject!: (err: unknown) => void;
    const stored = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    stored.catch(() => {}); // callers await it; an early failure must not count as unhandled
    const batch: PendingBatch = { records: [], stored, baseOffset: -1, resolve, reject };
    this.#pending = batch;
    setImmediate(() => this.#write());
    return batch;
  }

  #write(): void {
    const batch = this.#pending;
    if (!batch) return;
    this.#pending = null;
    if (batch.records.length === 0) {
      batch.resolve();
      return;
    }
    const timestamp = this.#now();
    let bytes: Buffer;
    try {
      bytes = buildRecordBatchSync(batch.records.map(({ key, value }) => ({ key, value, timestamp })));
    } catch (err) {
      batch.reject(err);
      return;
    }
    this.#bytesSinceSnapshot += bytes.length;
    this.#log.append(bytes).then((result) => {
      batch.baseOffset = result.baseOffset;
      batch.resolve();
    }, batch.reject);
  }

  /** Replays the whole log: the last value per key wins; stale epochs and records below the start dropped. */
  async load(): Promise<Map<string, ReplayedGroup>> {
    const groups = new Map<string, ReplayedGroup>();
    const starts = new Map<string, Map<string, { groupEpoch: number; replay: ReplayedPartition }>>();
    const records: Array<{
      groupId: string;
      pkey: string;
      group: number;
      partition: number;
      state: PersistedRecordState;
    }> = [];
    for await (const chunk of new PartitionOffsetsLog(this.#log).readAll()) {
      for (const batch of await decodeRecordBatches(chunk)) {
        for (const record of batch.records) {
          const entry = decodeStateEntry(record.key, record.value);
          if (!entry) continue;
          if (entry.kind === 'group') {
            const group = groups.get(entry.groupId);
            if (group) {
              group.epoch = entry.epoch;
              group.config = entry.config;
            } else {
              groups.set(entry.groupId, {
                epoch: entry.epoch,
                config: entry.config,
                partitions: new Map(),
                forgotten: new Map(),
              });
            }
            continue;
          }
          const pkey = partitionKey(entry.topic, entry.partition);
          if (entry.kind === 'record') {
            const { groupId, epoch, partitionEpoch, state } = entry;
            records.push({ groupId, pkey, group: epoch, partition: partitionEpoch, state });
            continue;
          }
          if (entry.kind === 'changes') {
            const { groupId, epoch, partitionEpoch } = entry;
            for (const state of entry.states)
              records.push({ groupId, pkey, group: epoch, partition: partitionEpoch, state });
          }
          const startOffset = entry.startOffset;
          if (startOffset === null) continue;
          let byGroup = starts.get(entry.groupId);
          if (!byGroup) starts.set(entry.groupId, (byGroup = new Map()));
          byGroup.set(pkey, {
            groupEpoch: entry.epoch,
            replay: {
              topic: entry.topic,
              partition: entry.partition,
              partitionEpoch: entry.partitionEpoch,
              startOffset,
              records: byGroup.get(pkey)?.replay.records ?? new Map(),
            },
          });
        }
      }
    }
    for (const { groupId, pkey, group, partition, state } of records) {
      const start = starts.get(groupId)?.get(pkey);
      if (!start || start.groupEpoch !== group || start.replay.partitionEpoch !== partition) continue;
      // Below the start only parked records (waiting ones the start passed) are still in play; the last
      // value wins, so a settled one forgets the record.
      if (state.offset < start.replay.startOffset && state.state === 'settled') {
        start.replay.records.delete(state.offset);
        continue;
      }
      start.replay.records.set(state.offset, state);
    }
    for (const [groupId, group] of groups) {
      if (group.config === null) continue;
      for (const [pkey, { groupEpoch, replay }] of starts.get(groupId) ?? []) {
        if (groupEpoch !== group.epoch) continue;
        if (replay.startOffset < 0)
          group.forgotten.set(pkey, { topic: replay.topic, partition: replay.partition, epoch: replay.partitionEpoch });
        else group.partitions.set(pkey, replay);
      }
    }
    return groups;
  }
}
