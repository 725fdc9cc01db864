// Topic config keys: parsing and range checks, effective values (topic override > broker default >
// built-in default) and the mapping onto storage's PartitionConfig. Overrides are kept as canonical
// strings (what DescribeConfigs shows and topics.json stores).
import {
  type CleanupPolicy,
  DEFAULT_PARTITION_CONFIG,
  type PartitionConfig,
  type TimestampType,
} from '../../../storage/index.js';
import type { ConfigEntry } from '../../protocol/index.js';
import { type BatchPolicy, DECOMPRESSED_BYTES_PER_BATCH_BYTE } from '../../records/batch-validation.js';
import { BUILTIN_TOPIC_DEFAULTS, formatFlushPolicy, parseFlushPolicy, type TopicDefaults } from '../config.js';

/** A config value that is unknown, malformed or out of range; handlers answer INVALID_CONFIG. */
export class TopicConfigError extends Error {
  override name = 'TopicConfigError';
}

interface KeySpec {
  /** Canonical string for a valid value; throws TopicConfigError otherwise. */
  parse(value: string): string;
  /** Value inherited from the broker's defaults. */
  inherited(defaults: TopicDefaults): string;
}

function intKey(
  name: string,
  min: number,
  max: number,
  pick: (d: TopicDefaults) => number,
  /** Values past 2^53 - 1 (Kafka's Long.MAX_VALUE defaults) are kept as the largest safe integer. */
  clampLong = false,
): KeySpec {
  return {
    parse(value) {
      const text = value.trim();
      if (clampLong && /^\d{17,19}$/.test(text)) return String(Math.min(Number(text), max));
      const n = /^-?\d{1,16}$/.test(text) ? Number(text) : NaN;
      if (!Number.isSafeInteger(n)) throw new TopicConfigError(`${name} must be an integer, got "${value}"`);
      if (n < min || n > max) throw new TopicConfigError(`${name} must be between ${min} and ${max}, got ${n}`);
      return String(n);
    },
    inherited: (d) => String(pick(d)),
  };
}

/**
 * A time window in ms, 0 or more. Kafka's unlimited default is Long.MAX_VALUE (9223372036854775807): any
 * value past 2^53 - 1 ms (285,000 years) means the same here and is kept as that largest safe integer.
 */
function windowKey(name: string, pick: (d: TopicDefaults) => number): KeySpec {
  return {
    parse(value) {
      const text = value.trim();
      if (!/^\d{1,19}$/.test(text))
        throw new TopicConfigError(`${name} must be an integer of 0 or more, got "${value}"`);
      return String(Math.min(Number(text), Number.MAX_SAFE_INTEGER));
    },
    inherited: (d) => String(pick(d)),
  };
}

function boolKey(name: string, inherited: string): KeySpec {
  return {
    parse(value) {
      const text = value.trim().toLowerCase();
      if (text !== 'true' && text !== 'false')
        throw new TopicConfigError(`${name} must be true or false, got "${value}"`);
      return text;
    },
    inherited: () => inherited,
  };
}

const INT31 = 0x7fff_ffff;

/**
 * The smallest `segment.bytes` a client may set (Kafka 4's floor too). Every segment is a file, and a
 * tiny one makes a partition roll a new file every few records: 1 KiB segments let one client fill
 * the data directory with files and the broker with descriptors. The operator's own default
 * (`topicDefaults.segmentBytes`) may still go lower, for tests.
 */
const MIN_TOPIC_SEGMENT_BYTES = 1024 * 1024;

/**
 * Kafka's compression.type values besides `producer`: with one of them Kafka's broker recompresses every batch
 * into that codec. Sluice stores batches as the producer compressed them (no broker-side recompression: its
 * output would be memory outside the broker's budget, up to 16 × max.message.bytes per batch for
 * `uncompressed`), so these are refused with a message that says so.
 */
const RECOMPRESSING_CODECS = new Set(['uncompressed', 'gzip', 'snappy', 'lz4', 'zstd']);

// A Map, not an object literal: names come from clients, and "constructor" or "toString" must be unknown
// keys rather than Object.prototype's functions.
const KEYS = new Map<string, KeySpec>(
  Object.entries({
    'retention.ms': intKey('retention.ms', -1, Number.MAX_SAFE_INTEGER, (d) => d.retentionMs),
    'retention.bytes': intKey('retention.bytes', -1, Number.MAX_SAFE_INTEGER, (d) => d.retentionBytes),
    'segment.bytes': intKey('segment.bytes', MIN_TOPIC_SEGMENT_BYTES, INT31, (d) => d.segmentBytes),
    'segment.ms': intKey('segment.ms', 1, Number.MAX_SAFE_INTEGER, (d) => d.segmentMs),
    'max.message.bytes': intKey('max.message.bytes', 0, INT31, (d) => d.maxMessageBytes),
    'index.interval.bytes': intKey('index.interval.bytes', 0, INT31, (d) => d.indexIntervalBytes),
    'message.timestamp.before.max.ms': windowKey(
      'message.timestamp.before.max.ms',
      (d) => d.messageTimestampBeforeMaxMs,
    ),
    'message.timestamp.after.max.ms': windowKey('message.timestamp.after.max.ms', (d) => d.messageTimestampAfterMaxMs),
    // CreateTime keeps the producer's timestamps; LogAppendTime has the broker stamp each batch with the time of
    // its append (storage/partition-append.ts), and the timestamp windows above do not apply (as in Kafka).
    'message.timestamp.type': {
      parse(value) {
        const text = value.trim().toLowerCase();
        if (text === 'createtime') return 'CreateTime';
        if (text === 'logappendtime') return 'LogAppendTime';
        throw new TopicConfigError(`message.timestamp.type must be "CreateTime" or "LogAppendTime", got "${value}"`);
      },
      inherited: () => DEFAULT_PARTITION_CONFIG.timestampType,
    },
    // Only `producer` (Kafka's default): batches are stored as the producer sent them, compressed or not.
    'compression.type': {
      parse(value) {
        const text = value.trim().toLowerCase();
        if (text === 'producer') return text;
        if (RECOMPRESSING_CODECS.has(text))
          throw new TopicConfigError(
            `compression.type "${text}" is not supported: this broker stores batches as the producer compressed ` +
              'them and does not recompress, so only "producer" is accepted (choose the codec in the producer instead)',
          );
        throw new TopicConfigError(
          `compression.type must be "producer" (the only value this broker supports), got "${value}"`,
        );
      },
      inherited: () => 'producer',
    },
    flush: {
      parse(value) {
        try {
          return formatFlushPolicy(parseFlushPolicy(value));
        } catch (error) {
          throw new TopicConfigError((error as Error).message);
        }
      },
      inherited: (d) => formatFlushPolicy(d.flush),
    },
    'cleanup.policy': {
      parse(value) {
        const listed = value.split(',').map((s) => s.trim().toLowerCase());
        const parts = new Set(listed);
        const known = [...parts].every((p) => p === 'delete' || p === 'compact');
        if (!known)
          throw new TopicConfigError(`cleanup.policy must be "delete", "compact" or "compact,delete", got "${value}"`);
        // Kafka refuses a list config naming an entry twice; so do all three doors (they all parse here).
        if (parts.size !== listed.length) {
          const twice = listed.find((p, i) => listed.indexOf(p) !== i);
          throw new TopicConfigError(`cleanup.policy lists "${twice}" more than once, got "${value}"`);
        }
        return parts.has('compact') ? (parts.has('delete') ? 'compact,delete' : 'compact') : 'delete';
      },
      inherited: () => DEFAULT_PARTITION_CONFIG.cleanupPolicy,
    },
    'min.cleanable.dirty.ratio': {
      parse(value) {
        const text = value.trim();
        const n = /^\d*\.?\d+(e-?\d+)?$/i.test(text) ? Number(text) : NaN;
        if (!(n >= 0 && n <= 1))
          throw new TopicConfigError(`min.cleanable.dirty.ratio must be a number between 0 and 1, got "${value}"`);
        return String(n);
      },
      inherited: () => String(DEFAULT_PARTITION_CONFIG.minCleanableDirtyRatio),
    },
    'min.compaction.lag.ms': windowKey('min.compaction.lag.ms', () => DEFAULT_PARTITION_CONFIG.minCompactionLagMs),
    'max.compaction.lag.ms': intKey(
      'max.compaction.lag.ms',
      1,
      Number.MAX_SAFE_INTEGER,
      () => DEFAULT_PARTITION_CONFIG.maxCompactionLagMs,
      true,
    ),
    'delete.retention.ms': windowKey('delete.retention.ms', () => DEFAULT_PARTITION_CONFIG.deleteRetentionMs),
    // Cluster mode: acks=-1 needs this many in-sync replicas (src/broker/cluster/replica-manager.ts). Shown
    // as 1 when not set; a cluster's own default (cluster.minInsyncReplicas) applies then.
    'min.insync.replicas': intKey('min.insync.replicas', 1, 32767, () => 1),
    // Cluster mode: whether ElectLeaders may elect an out-of-sync replica of an offline partition (an
    // operator's unclean election; the controller never elects one on its own).
    'unclean.leader.election.enable': boolKey('unclean.leader.election.enable', 'false'),
  }),
);

/**
 * The pseudo-config `partitions`: shown by DescribeConfigs, accepted by CreateTopics and AlterConfigs on the
 * native door (the Kafka door refuses it: src/broker/kafka/handlers/config-resources.ts).
 */
export const PARTITIONS_KEY = 'partitions';

export const TOPIC_CONFIG_NAMES: readonly string[] = Object.freeze([PARTITIONS_KEY, ...KEYS.keys()]);

export function parsePartitions(value: string, max: number): number {
  const n = /^\d{1,9}$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > max) {
    throw new TopicConfigError(`partitions must be an integer between 1 and ${max}, got "${value}"`);
  }
  return n;
}

/** Validates one config value (not `partitions`) and returns its canonical form. */
export function parseTopicConfig(name: string, value: string): string {
  const spec = KEYS.get(name);
  if (!spec) throw new TopicConfigError(`unknown topic config "${name}" (known: ${TOPIC_CONFIG_NAMES.join(', ')})`);
  return spec.parse(value);
}

/**
 * How a change map applies to a topic's overrides. 'incremental': named keys set, null reverts a key to its
 * inherited value, other overrides kept (native AlterConfigs, IncrementalAlterConfigs). 'replace': the named
 * keys with a value become the whole override set, every other key goes back to its inherited value (Kafka's
 * legacy AlterConfigs, API 33).
 */
export type ConfigChangeMode = 'incremental' | 'replace';

/**
 * Applies a change map in `mode`. Returns the new override map; throws TopicConfigError on the first bad
 * key. `partitions` is left to the caller.
 */
export function applyConfigChanges(
  current: Readonly<Record<string, string>>,
  changes: Record<string, string | null>,
  mode: ConfigChangeMode,
): Record<string, string> {
  const next = new Map(mode === 'replace' ? [] : Object.entries(current));
  for (const [name, value] of Object.entries(changes)) {
    if (name === PARTITIONS_KEY) continue;
    if (value === null) {
      if (!KEYS.has(name)) throw new TopicConfigError(`unknown topic config "${name}"`);
      next.delete(name);
    } else {
      next.set(name, parseTopicConfig(name, value));
    }
  }
  return Object.fromEntries(next);
}

/** Config keys whose value is a comma-separated list (IncrementalAlterConfigs' APPEND and SUBTRACT). */
export const LIST_CONFIG_KEYS: ReadonlySet<string> = new Set(['cleanup.policy']);

/** Whether `name` is a topic config key (`partitions` aside). */
export function isTopicConfigKey(name: string): boolean {
  return KEYS.has(name);
}

/** A key's value for a topic with these overrides: its override, else the inherited value. */
export function effectiveTopicConfig(
  name: string,
  overrides: Readonly<Record<string, string>>,
  defaults: TopicDefaults,
): string {
  return effective(name, overrides, defaults);
}

function effective(name: string, overrides: Readonly<Record<string, string>>, defaults: TopicDefaults): string {
  return (Object.hasOwn(overrides, name) ? overrides[name] : undefined) ?? KEYS.get(name)!.inherited(defaults);
}

/** The storage settings of every partition of a topic with these overrides. */
export function partitionConfigFor(
  overrides: Readonly<Record<string, string>>,
  defaults: TopicDefaults,
): PartitionConfig {
  const num = (name: string) => Number(effective(name, overrides, defaults));
  return {
    segmentBytes: num('segment.bytes'),
    segmentMs: num('segment.ms'),
    retentionMs: num('retention.ms'),
    retentionBytes: num('retention.bytes'),
    indexIntervalBytes: num('index.interval.bytes'),
    flush: parseFlushPolicy(effective('flush', overrides, defaults)),
    cleanupPolicy: effective('cleanup.policy', overrides, defaults) as CleanupPolicy,
    minCleanableDirtyRatio: num('min.cleanable.dirty.ratio'),
    minCompactionLagMs: num('min.compaction.lag.ms'),
    maxCompactionLagMs: num('max.compaction.lag.ms'),
    deleteRetentionMs: num('delete.retention.ms'),
    timestampType: effective('message.timestamp.type', overrides, defaults) as TimestampType,
  };
}

export function maxMessageBytesOf(overrides: Readonly<Record<string, string>>, defaults: TopicDefaults): number {
  return Number(effective('max.message.bytes', overrides, defaults));
}

/** What produce checks every batch of a topic with these overrides against (src/records/batch-validation.ts). */
export function batchPolicyFor(overrides: Readonly<Record<string, string>>, defaults: TopicDefaults): BatchPolicy {
  const maxBatchBytes = maxMessageBytesOf(overrides, defaults);
  // The producer's timestamps are replaced by the append time on a LogAppendTime topic: no window applies.
  const appendTime = effective('message.timestamp.type', overrides, defaults) === 'LogAppendTime';
  return Object.freeze({
    maxBatchBytes,
    maxDecompressedBytes: maxBatchBytes * DECOMPRESSED_BYTES_PER_BATCH_BYTE,
    timestampBeforeMaxMs: appendTime
      ? Number.POSITIVE_INFINITY
      : Number(effective('message.timestamp.before.max.ms', overrides, defaults)),
    timestampAfterMaxMs: appendTime
      ? Number.POSITIVE_INFINITY
      : Number(effective('message.timestamp.after.max.ms', overrides, defaults)),
    requireKeys: String(effective('cleanup.policy', overrides, defaults)).includes('compact'),
  });
}

/** DescribeConfigs entries for a topic, optionally only the named keys (unknown names are skipped). */
export function describeTopicConfigs(
  overrides: Readonly<Record<string, string>>,
  partitions: number,
  defaults: TopicDefaults,
  names: readonly string[] | null,
): ConfigEntry[] {
  const wanted = names ?? TOPIC_CONFIG_NAMES;
  const out: ConfigEntry[] = [];
  for (const name of wanted) {
    if (name === PARTITIONS_KEY) {
      out.push({
        name,
        value: String(partitions),
        readOnly: false,
        isDefault: false,
        source: 'topic',
        isSensitive: false,
      });
      continue;
    }
    const spec = KEYS.get(name);
    if (!spec) continue;
    const override = Object.hasOwn(overrides, name) ? overrides[name] : undefined;
    const inherited = spec.inherited(defaults);
    const source =
      override !== undefined ? 'topic' : inherited !== spec.inherited(BUILTIN_TOPIC_DEFAULTS) ? 'broker' : 'default';
    out.push({
      name,
      value: override ?? inherited,
      readOnly: false,
      isDefault: source === 'default',
      source,
      isSensitive: false,
    });
  }
  return out;
}
