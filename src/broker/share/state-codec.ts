// Record layout of the internal topic `__share_group_state`. Keys and values are msgpack arrays whose first
// element says what the rest is (as offsets-codec.ts does for `__consumer_offsets`):
//
//   group            key   [3, groupId]
//                    value [0, epoch, config | null]                       null config = deleted
//   start offset     key   [1, groupId, topic, partition]
//                    value [0, epoch, startOffset, partitionEpoch]
//   record state     key   [2, groupId, topic, partition, offset]
//                    value [0, epoch, deliveryCount, state, until, error | null, partitionEpoch]
//   changes          key   [4, groupId, topic, partition]
//                    value [0, epoch, partitionEpoch, startOffset | null, runs]
//
// A changes record is what one commit of a share-partition changed (state-store.ts groups a turn's commits
// into one batch): the new start offset (null: unchanged) and the record states, as runs. runs is one flat
// array, six numbers-or-strings per run: [firstOffset, count, deliveryCount, state, until, error | null]:
// `count` consecutive offsets from firstOffset took that state, in the order the changes happened (a later
// run overrides an earlier one for the same offset). An acknowledgement of a hundred consecutive records is
// one run, not a hundred records. Its key is not unique: replay applies changes records in log order (the
// state log is never compacted, only cut below a snapshot), so it reads them as if each run's offsets had
// their record-state record at that point of the log.
//
// config = [maxAttempts, backoffType, initialMs, multiplier, maxMs, jitter, lockTimeoutMs, deadLetterTopic | null]
//
// Replay reads the log as compacted: the last value of each key wins. A group's epoch grows when it is
// deleted, a partition's epoch when its start offset is reset; start and record values of another epoch
// are stale and ignored, so neither needs a tombstone per record. Record states below the partition's start offset
// are ignored unless not settled (a parked record: share-partition.ts).
// Unknown key types are skipped.
import { decode, Encoder } from '@msgpack/msgpack';
import type { ChangeRuns } from './change-runs.js';
import type { RetryPolicy } from './retry-policy.js';
import { RECORD_STATES, type PersistedRecordState, type RecordState } from './record-state.js';

const START_KEY = 1;
const RECORD_KEY = 2;
const GROUP_KEY = 3;
const CHANGES_KEY = 4;
const RUN_FIELDS = 6;

export interface ShareGroupConfig {
  readonly retry: RetryPolicy;
  readonly lockTimeoutMs: number;
  /** null: `<topic>.dlq` per source topic. */
  readonly deadLetterTopic: string | null;
}

export type StateEntry =
  | { kind: 'group'; groupId: string; epoch: number; config: ShareGroupConfig | null }
  | {
      kind: 'start';
      groupId: string;
      topic: string;
      partition: number;
      epoch: number;
      partitionEpoch: number;
      startOffset: number;
    }
  | {
      kind: 'record';
      groupId: string;
      topic: string;
      partition: number;
      epoch: number;
      partitionEpoch: number;
      state: PersistedRecordState;
    }
  | {
      kind: 'changes';
      groupId: string;
      topic: string;
      partition: number;
      epoch: number;
      partitionEpoch: number;
      /** null: unchanged. */
      startOffset: number | null;
      /** In the order they happened. */
      states: PersistedRecordState[];
    };

/** Where a partition's values belong: the group's epoch and the partition's own (bumped by a reset). */
export interface Epochs {
  readonly group: number;
  readonly partition: number;
}

// One encoder for every state record: `encode()` would build a new one (and its buffer) per call, two
// calls per record, which led the broker's profile under share-group load. Its output is a view of the
// encoder's buffer, valid until the next call: copied out at once.
const encoder = new Encoder();

function bytes(value: unknown): Buffer {
  return Buffer.from(encoder.encodeSharedRef(value));
}

export function encodeGroup(
  groupId: string,
  epoch: number,
  config: ShareGroupConfig | null,
): { key: Buffer; value: Buffer } {
  const c = config
    ? [
        config.retry.maxAttempts,
        config.retry.backoff.type,
        config.retry.backoff.initialMs,
        config.retry.backoff.multiplier,
        config.retry.backoff.maxMs,
        config.retry.backoff.jitter,
        config.lockTimeoutMs,
        config.deadLetterTopic,
      ]
    : null;
  return { key: bytes([GROUP_KEY, groupId]), value: bytes([0, epoch, c]) };
}

export function encodeStart(groupId: string, topic: string, partition: number, epochs: Epochs, startOffset: number) {
  return {
    key: bytes([START_KEY, groupId, topic, partition]),
    value: bytes([0, epochs.group, startOffset, epochs.partition]),
  };
}

export function encodeRecordState(
  groupId: string,
  topic: string,
  partition: number,
  epochs: Epochs,
  s: PersistedRecordState,
) {
  return {
    key: bytes([RECORD_KEY, groupId, topic, partition, s.offset]),
    value: bytes([
      0,
      epochs.group,
      s.deliveryCount,
      RECORD_STATES.indexOf(s.state),
      s.until,
      s.error,
      epochs.partition,
    ]),
  };
}

/** One share-partition's changes as one record (see the layout above). */
export function encodeChanges(
  groupId: string,
  topic: string,
  partition: number,
  epochs: Epochs,
  startOffset: number | undefined,
  changes: ChangeRuns,
) {
  const runs: Array<number | string | null> = [];
  for (const run of changes.runs)
    runs.push(run.offset, run.count, run.deliveryCount, RECORD_STATES.indexOf(run.state), run.until, run.error);
  return {
    key: bytes([CHANGES_KEY, groupId, topic, partition]),
    value: bytes([0, epochs.group, epochs.partition, startOffset ?? null, runs]),
  };
}

function decodeRuns(runs: unknown): PersistedRecordState[] | undefined {
  if (!Array.isArray(runs) || runs.length % RUN_FIELDS !== 0) return undefined;
  const states: PersistedRecordState[] = [];
  for (let i = 0; i < runs.length; i += RUN_FIELDS) {
    const [first, count, deliveryCount, stateIndex, until, error] = runs.slice(i, i + RUN_FIELDS);
    if (!isInt(first) || !isInt(count) || count < 1 || !isInt(deliveryCount) || !isInt(until)) return undefined;
    const state: RecordState | undefined = isInt(stateIndex) ? RECORD_STATES[stateIndex] : undefined;
    if (!state || (error !== null && !isStr(error))) return undefined;
    for (let offset = first; offset < first + count; offset++)
      states.push({ offset, deliveryCount, state, until, error });
  }
  return states;
}

const isStr = (x: unknown): x is string => typeof x === 'string';
const isInt = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x);
const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

function decodeConfig(c: unknown): ShareGroupConfig | null | undefined {
  if (c === null) return null;
  if (!Array.isArray(c) || c.length < 8) return undefined;
  const [maxAttempts, type, initialMs, multiplier, maxMs, jitter, lockTimeoutMs, dlq] = c;
  if (!isInt(maxAttempts) || (type !== 'fixed' && type !== 'exponential') || !isInt(initialMs)) return undefined;
  if (!isNum(multiplier) || !isInt(maxMs) || !isNum(jitter) || !isInt(lockTimeoutMs)) return undefined;
  if (dlq !== null && !isStr(dlq)) return undefined;
  return {
    retry: { maxAttempts, backoff: { type, initialMs, multiplier, maxMs, jitter } },
    lockTimeoutMs,
    deadLetterTopic: dlq,
  };
}

/** One record of the internal topic; undefined for what it does not understand. */
export function decodeStateEntry(key: Buffer | null, value: Buffer | null): StateEntry | undefined {
  if (key === null || value === null) return undefined;
  let k: unknown;
  let v: unknown;
  try {
    k = decode(key);
    v = decode(value);
  } catch {
    return undefined;
  }
  if (!Array.isArray(k) || !Array.isArray(v) || !isStr(k[1]) || !isInt(v[1])) return undefined;
  const groupId = k[1];
  const epoch = v[1];
  if (k[0] === GROUP_KEY) {
    const config = decodeConfig(v[2]);
    return config === undefined ? undefined : { kind: 'group', groupId, epoch, config };
  }
  if (!isStr(k[2]) || !isInt(k[3])) return undefined;
  if (k[0] === CHANGES_KEY && isInt(v[2]) && (v[3] === null || isInt(v[3]))) {
    const states = decodeRuns(v[4]);
    if (!states) return undefined;
    const [, , , partition] = k;
    return { kind: 'changes', groupId, topic: k[2], partition, epoch, partitionEpoch: v[2], startOffset: v[3], states };
  }
  if (k[0] === START_KEY && isInt(v[2]) && isInt(v[3]))
    return { kind: 'start', groupId, topic: k[2], partition: k[3], epoch, partitionEpoch: v[3], startOffset: v[2] };
  if (k[0] === RECORD_KEY && isInt(k[4]) && isInt(v[2]) && isInt(v[3]) && isInt(v[4]) && isInt(v[6])) {
    const state: RecordState | undefined = RECORD_STATES[v[3]];
    if (!state || (v[5] !== null && !isStr(v[5]))) return undefined;
    return {
      kind: 'record',
      groupId,
      topic: k[2],
      partition: k[3],
      epoch,
      partitionEpoch: v[6],
      state: { offset: k[4], deliveryCount: v[2], state, until: v[4], error: v[5] },
    };
  }
  return undefined;
}
