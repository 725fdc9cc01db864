// The consumer-visible end of a partition (Kafka's high watermark). On one node Kafka uses the log end;
// Sluice does too, except under flush=always: there a produce is acknowledged only after an fsync, and
// an fsync that fails takes back everything written since the last good one (storage's fsyncgate rule:
// the log end moves back to flushedOffset and those offsets are reused by the next append). Showing
// consumers written-but-unflushed records would let them read, and commit past, records the producer
// was told had failed, and then skip the acknowledged records that reuse those offsets. So under
// flush=always consumers see only fsynced offsets, exactly what producers were told is stored.
// Under interval/os the log end is visible at once (those policies trade that window for speed).
//
// A replicated partition (cluster mode) shows at most what its ISR holds: the replica manager
// (src/broker/cluster/replica-manager.ts) registers the partition's replicated high watermark here, and
// the visible end is the lower of the two. One WeakMap lookup per call; nothing on a single node.
import type { PartitionLog } from '../../storage/index.js';

const replicated = new WeakMap<PartitionLog, { readonly highWatermark: number }>();

/** Cluster mode: `source.highWatermark` bounds what consumers of `log` see from now on. */
export function bindReplicatedHighWatermark(log: PartitionLog, source: { readonly highWatermark: number }): void {
  replicated.set(log, source);
}

export function highWatermark(log: PartitionLog): number {
  const local = log.config.flush.kind === 'always' ? log.flushedOffset : log.logEndOffset;
  const source = replicated.get(log);
  return source === undefined ? local : Math.min(local, source.highWatermark);
}

/** The last stable offset: read_committed consumers read below it (no open transaction reaches under it). */
export function lastStableOffset(log: PartitionLog, hw: number): number {
  const firstUnstable = log.firstUnstableOffset;
  return firstUnstable >= 0 ? Math.min(firstUnstable, hw) : hw;
}
