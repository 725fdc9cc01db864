// Public surface of the storage engine.
export * from './format/record-batch.js';
export {
  StorageError,
  OffsetOutOfRangeError,
  InvalidRecordError,
  RecordTooLargeError,
  CorruptLogError,
  StorageIOError,
  LogClosedError,
} from './errors.js';
export type { Logger, Clock } from './types.js';
export { noopLogger, systemClock } from './types.js';
export type { CleanupPolicy, FlushPolicy, PartitionConfig, ResolvedPartitionConfig, TimestampType } from './config.js';
export { DEFAULT_PARTITION_CONFIG, MAX_SEGMENT_BYTES, resolvePartitionConfig } from './config.js';
export type { StorageFs, StorageFileHandle, OpenMode } from './fs.js';
export { nodeFs } from './fs.js';
export { FaultyFs } from './faulty-fs.js';
export type { FaultOp, FaultOptions } from './faulty-fs.js';
export { PowerCutDisk, SECTOR_BYTES } from './power-cut-disk.js';
export type { CutOptions, CutReport, UnsyncedFate } from './power-cut-disk.js';
export { writeFileAtomic, readJsonFile, TEMP_SUFFIX } from './atomic.js';
export { mkdirDurable } from './durable-dir.js';
export { ProducerSequenceError } from './producer-state.js';
export type { ProducerErrorCode } from './producer-state.js';
export { DEFAULT_TAIL_CACHE_BYTES, DEFAULT_PRODUCER_ID_EXPIRATION_MS } from './partition-log.js';
export { DEFAULT_TAIL_CACHE_TOTAL_BYTES } from './tail-cache-budget.js';
export type { SlabPins } from './tail-cache.js';
export { PartitionLog } from './lazy-partition-log.js';
export { CLEAN_BASE_FILE, CLEAN_SHUTDOWN_FILE } from './clean-shutdown.js';
export { CHANGE_JOURNAL_FILE, ChangeJournal, parseChangeJournal } from './change-journal.js';
export type { AppendResult, ReadOptions, ReadResult, PartitionLogOptions } from './partition-log.js';
export { releaseRead } from './partition-read.js';
export type { EpochEnd } from './leader-epochs.js';
export { ReadBufferPool } from './read-buffer-pool.js';
export { LogManager, parsePartitionDirName, FS_CONCURRENCY } from './log-manager.js';
export { isValidTopicName } from './format/topic-name.js';
export { mapWithConcurrency } from './concurrency.js';
export type { LogManagerOptions, CleanerSettings } from './log-manager.js';
export { LogCleaner, DEFAULT_DEDUPE_BUFFER_BYTES, DEFAULT_CLEANER_BACKOFF_MS } from './log-cleaner.js';
export type { CleanResult, CleanerStats, LogCleanerOptions } from './log-cleaner.js';
export type { RecordCodecs } from './batch-records.js';
export { CLEANER_CHECKPOINT_FILE } from './cleaner-checkpoint.js';
export { CHECKPOINT_FILE } from './checkpoint.js';
export type { PartitionCheckpoint } from './checkpoint.js';
export { segmentFileName } from './segment.js';
export { lockDataDir, DataDirLockedError, LOCK_FILE } from './data-dir-lock.js';
export type { DataDirLock } from './data-dir-lock.js';
export type { LogManagerFileStats, TailCacheStats } from './log-manager.js';
export type { FileStats } from './file-pool.js';
export { openFileLimit, segmentFileBudget } from './file-budget.js';
export {
  buildControlBatch,
  readControlRecord,
  isControlBatch,
  isTransactionalBatch,
  CONTROL_TYPE_ABORT,
  CONTROL_TYPE_COMMIT,
  CONTROL_BATCH_SIZE,
} from './format/control-batch.js';
export type { TransactionMarker, ControlRecord } from './format/control-batch.js';
export type { AbortedTransaction } from './producer-state.js';
