// Which sealed segments to delete: a prefix of the segment list, never the active (last) segment.
// A segment goes when it lies wholly below the log start offset, or (retention) when its newest batch
// is older than retentionMs, or while the partition would still hold >= retentionBytes without it.
import type { PartitionConfig } from './config.js';
import type { Segment } from './segment.js';
import type { Logger } from './types.js';

export function retentionVictims(
  segments: readonly Segment[],
  logStartOffset: number,
  config: PartitionConfig,
  now: number,
  applyRetention: boolean,
): Segment[] {
  const victims: Segment[] = [];
  // A compacted-only log keeps every key's last record for ever: only the log start deletes segments.
  const byPolicy = applyRetention && config.cleanupPolicy !== 'compact';
  let total = segments.reduce((sum, s) => sum + s.size, 0);
  for (let i = 0; i < segments.length - 1; i++) {
    const s = segments[i]!;
    // Kafka's rule: wholly below the start when the next segment starts at or below it. (A segment's own
    // end would not do: the cleaner may leave a segment empty, its end at its base, below later records.)
    const belowStart = segments[i + 1]!.baseOffset <= logStartOffset;
    const byTime =
      byPolicy && config.retentionMs >= 0 && s.maxTimestamp >= 0 && now - s.maxTimestamp > config.retentionMs;
    const bySize = byPolicy && config.retentionBytes >= 0 && total - s.size >= config.retentionBytes;
    if (!belowStart && !byTime && !bySize) break;
    victims.push(s);
    total -= s.size;
  }
  return victims;
}

/** Unlinks the segments' files; each file handle closes after its last reader. */
export async function deleteSegments(segments: Segment[], logger: Logger): Promise<void> {
  for (const s of segments) {
    try {
      await s.delete();
    } catch (err) {
      logger.warn(
        { err, file: s.logPath },
        'cannot delete segment files; they will be removed by a later retention run',
      );
    }
  }
}
