// A share group's state as the internal topic `__share_group_state` keeps it (layout: state-codec.ts).
// Appends go straight to the partition log, which stores them in call order and acknowledges each once
// it is as durable as the broker's flush policy promises (with flush=always, one fsync covers every
// append written meanwhile). Callers append in the order their changes happened in memory, so a replay
// rebuilds the state the broker had acknowledged.
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

export class ShareStateStore {
  readonly #log: OffsetsLog;
  readonly #now: () => number;

  constructor(log: OffsetsLog, now: () => number) {
    this.#log = log;
    this.#now = now;
  }

  /**
   * Stores these records as one batch; resolves once the log has them as durably as its flush policy
   * says. The append is started before this returns, so calls are stored in call order.
   */
  append(records: readonly StateRecord[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    const timestamp = this.#now();
    return this.#log.append(buildRecordBatchSync(records.map(({ key, value }) => ({ key, value, timestamp }))));
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
