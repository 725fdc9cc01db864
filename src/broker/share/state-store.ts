// A share group's state as the internal topic `__share_group_state` keeps it (layout: state-codec.ts).
// Group commit: every append made during one turn of the event loop (the settlements and acquisitions
// of every request read in it) goes into one record batch, written once the turn's I/O callbacks have
// run (setImmediate); the partition log stores batches in call order and
// acknowledges each once it is as durable as the broker's flush policy promises (with flush=always, one
// fsync covers every batch written meanwhile). Callers append in the order their changes happened in
// memory, and batches keep that order, so a replay rebuilds the state the broker had acknowledged.
import { buildRecordBatchSync, decodeRecordBatches } from '../../records/index.js';
import type { OffsetsLog } from '../groups/index.js';
import { partitionKey } from '../partition-key.js';
import type { PersistedRecordState } from './share-partition.js';
import { decodeStateEntry, type ShareGroupConfig } from './state-codec.js';

export const SHARE_STATE_TOPIC = '__share_group_state';

export interface ReplayedPartition {
  readonly topic: string;
  readonly partition: number;
  partitionEpoch: number;
  startOffset: number;
  readonly records: Map<number, PersistedRecordState>;
}

export interface ReplayedGroup {
  epoch: number;
  /** null: deleted (its epoch is kept so stale values stay stale). */
  config: ShareGroupConfig | null;
  /** By partitionKey(topic, partition). */
  readonly partitions: Map<string, ReplayedPartition>;
}

export interface StateRecord {
  readonly key: Buffer;
  readonly value: Buffer;
}

interface PendingBatch {
  readonly records: StateRecord[];
  readonly stored: Promise<void>;
  resolve(): void;
  reject(err: unknown): void;
}

export class ShareStateStore {
  readonly #log: OffsetsLog;
  readonly #now: () => number;
  /** The batch collecting this turn's appends. */
  #pending: PendingBatch | null = null;

  constructor(log: OffsetsLog, now: () => number) {
    this.#log = log;
    this.#now = now;
  }

  /**
   * Stores these records with every other append of this turn, as one batch; resolves once the log has
   * them as durably as its flush policy says. Calls are stored in call order.
   */
  append(records: readonly StateRecord[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    let batch = this.#pending;
    if (!batch) {
      let resolve!: () => void;
      let reject!: (err: unknown) => void;
      const stored = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      stored.catch(() => {}); // callers await it; an early failure must not count as unhandled
      batch = { records: [], stored, resolve, reject };
      this.#pending = batch;
      setImmediate(() => this.#write());
    }
    for (const record of records) batch.records.push(record);
    return batch.stored;
  }

  #write(): void {
    const batch = this.#pending;
    if (!batch) return;
    this.#pending = null;
    const timestamp = this.#now();
    let appended: Promise<void>;
    try {
      appended = this.#log.append(
        buildRecordBatchSync(batch.records.map(({ key, value }) => ({ key, value, timestamp }))),
      );
    } catch (err) {
      batch.reject(err);
      return;
    }
    appended.then(batch.resolve, batch.reject);
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
    for await (const chunk of this.#log.readAll()) {
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
              groups.set(entry.groupId, { epoch: entry.epoch, config: entry.config, partitions: new Map() });
            }
            continue;
          }
          const pkey = partitionKey(entry.topic, entry.partition);
          if (entry.kind === 'record') {
            const { groupId, epoch, partitionEpoch, state } = entry;
            records.push({ groupId, pkey, group: epoch, partition: partitionEpoch, state });
            continue;
          }
          let byGroup = starts.get(entry.groupId);
          if (!byGroup) starts.set(entry.groupId, (byGroup = new Map()));
          byGroup.set(pkey, {
            groupEpoch: entry.epoch,
            replay: {
              topic: entry.topic,
              partition: entry.partition,
              partitionEpoch: entry.partitionEpoch,
              startOffset: entry.startOffset,
              records: byGroup.get(pkey)?.replay.records ?? new Map(),
            },
          });
        }
      }
    }
    for (const { groupId, pkey, group, partition, state } of records) {
      const start = starts.get(groupId)?.get(pkey);
      if (!start || start.groupEpoch !== group || start.replay.partitionEpoch !== partition) continue;
      if (state.offset < start.replay.startOffset) continue;
      start.replay.records.set(state.offset, state);
    }
    for (const [groupId, group] of groups) {
      if (group.config === null) continue;
      for (const [pkey, { groupEpoch, replay }] of starts.get(groupId) ?? [])
        if (groupEpoch === group.epoch) group.partitions.set(pkey, replay);
    }
    return groups;
  }
}
