// Per-partition configuration: typed, defaulted, validated once, frozen.
import { StorageError } from './errors.js';

export type FlushPolicy = { kind: 'always' } | { kind: 'interval'; ms: number } | { kind: 'os' };

export interface PartitionConfig {
  /** Roll when the active segment would exceed this many bytes. Positions in the index are u32. */
  segmentBytes: number;
  /** Roll when the active segment's first append is older than this. */
  segmentMs: number;
  /** Delete sealed segments whose newest batch is older than this; -1 keeps forever. */
  retentionMs: number;
  /** Delete the oldest sealed segments while the partition exceeds this; -1 is unlimited. */
  retentionBytes: number;
  /** One offset-index entry per this many bytes of log. */
  indexIntervalBytes: number;
  flush: FlushPolicy;
  /**
   * Kafka's cleanup.policy: 'delete' removes old segments by retention; 'compact' keeps the last record of
   * every key (log-cleaner.ts) and deletes by nothing else; 'compact,delete' does both.
   */
  cleanupPolicy?: CleanupPolicy;
  /** Compact when dirty bytes / cleanable bytes reach this (0..1). */
  minCleanableDirtyRatio?: number;
  /** A record stays uncompacted at least this long after it was written (by its segment's newest timestamp). */
  minCompactionLagMs?: number;
  /** A record stays uncompacted at most about this long, whatever the dirty ratio. */
  maxCompactionLagMs?: number;
  /** A tombstone (null value) is kept this long after the first cleaning that saw it, then dropped. */
  deleteRetentionMs?: number;
  /**
   * Kafka's message.timestamp.type: 'CreateTime' keeps the producer's timestamps; 'LogAppendTime' stamps every
   * appended batch with the time of its append (partition-append.ts), which readers then see as every record's.
   */
  timestampType?: TimestampType;
}

export type TimestampType = 'CreateTime' | 'LogAppendTime';

export type CleanupPolicy = 'delete' | 'compact' | 'compact,delete';

const GiB = 1024 * 1024 * 1024;
const WEEK_MS = 7 * 24 * 60 * 60 * 1000;

/** A config with every field filled: what resolvePartitionConfig returns and a log runs with. */
export type ResolvedPartitionConfig = Readonly<Required<PartitionConfig>>;

export const DEFAULT_PARTITION_CONFIG: ResolvedPartitionConfig = Object.freeze({
  segmentBytes: GiB,
  segmentMs: WEEK_MS,
  retentionMs: WEEK_MS,
  retentionBytes: -1,
  indexIntervalBytes: 4096,
  flush: Object.freeze({ kind: 'os' }) as FlushPolicy,
  cleanupPolicy: 'delete',
  minCleanableDirtyRatio: 0.5,
  minCompactionLagMs: 0,
  maxCompactionLagMs: Number.MAX_SAFE_INTEGER,
  deleteRetentionMs: 24 * 60 * 60 * 1000,
  timestampType: 'CreateTime',
});

export function isCompacted(config: PartitionConfig): boolean {
  return config.cleanupPolicy !== 'delete';
}

/** Largest segment: index positions are u32 and a single append may overshoot by one append. */
export const MAX_SEGMENT_BYTES = 0x7fff_ffff;

function invalid(message: string): StorageError {
  return new StorageError(`invalid partition config: ${message}`, { code: 'INVALID_CONFIG' });
}

function checkInt(name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw invalid(`${name} must be an integer in ${min}..${max}, got ${value}`);
  }
}

/** What resolvePartitionConfig returned: frozen, so passing one back needs no second look. */
const RESOLVED = new WeakSet<object>();

/** Fills defaults, validates, and returns a frozen copy (a config it returned before comes back as it is). */
export function resolvePartitionConfig(config: Partial<PartitionConfig> = {}): ResolvedPartitionConfig {
  if (RESOLVED.has(config)) return config as ResolvedPartitionConfig;
  const c: Required<PartitionConfig> = { ...DEFAULT_PARTITION_CONFIG };
  for (const [key, value] of Object.entries(config)) if (value !== undefined) Object.assign(c, { [key]: value });
  checkInt('segmentBytes', c.segmentBytes, 64, MAX_SEGMENT_BYTES);
  checkInt('segmentMs', c.segmentMs, 1);
  checkInt('indexIntervalBytes', c.indexIntervalBytes, 0);
  if (c.retentionMs !== -1) checkInt('retentionMs', c.retentionMs, 0);
  if (c.retentionBytes !== -1) checkInt('retentionBytes', c.retentionBytes, 0);
  if (c.cleanupPolicy !== 'delete' && c.cleanupPolicy !== 'compact' && c.cleanupPolicy !== 'compact,delete')
    throw invalid(`unknown cleanup policy ${JSON.stringify(c.cleanupPolicy)}`);
  if (!(c.minCleanableDirtyRatio >= 0 && c.minCleanableDirtyRatio <= 1))
    throw invalid(`minCleanableDirtyRatio must be between 0 and 1, got ${c.minCleanableDirtyRatio}`);
  checkInt('minCompactionLagMs', c.minCompactionLagMs, 0);
  checkInt('maxCompactionLagMs', c.maxCompactionLagMs, 1);
  checkInt('deleteRetentionMs', c.deleteRetentionMs, 0);
  if (c.timestampType !== 'CreateTime' && c.timestampType !== 'LogAppendTime')
    throw invalid(`unknown timestamp type ${JSON.stringify(c.timestampType)} (CreateTime or LogAppendTime)`);
  const f = c.flush;
  if (f.kind === 'interval') checkInt('flush.ms', f.ms, 1);
  else if (f.kind !== 'always' && f.kind !== 'os') throw invalid(`unknown flush policy ${JSON.stringify(f)}`);
  const resolved = Object.freeze({ ...c, flush: Object.freeze({ ...f }) });
  RESOLVED.add(resolved);
  return resolved;
}
