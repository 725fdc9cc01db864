// The consumer-visible end of a partition (Kafka's high watermark). On one node Kafka uses the log end;
// Sluice does too, except under flush=always: there a produce is acknowledged only after an fsync, and
// an fsync that fails takes back everything written since the last good one (storage's fsyncgate rule:
// the log end moves back to flushedOffset and those offsets are reused by the next append). Showing
// consumers written-but-unflushed records would let them read, and commit past, records the producer
// was told had failed, and then skip the acknowledged records that reuse those offsets. So under
// flush=always consumers see only fsynced offsets, exactly what producers were told is stored.
// Under interval/os the log end is visible at once (those policies trade that window for speed).
import type { PartitionLog } from '../../../storage/index.js';

export function highWatermark(log: PartitionLog): number {
  return log.config.flush.kind === 'always' ? log.flushedOffset : log.logEndOffset;
}
