// Offset ranges per partition: where reading starts and (optionally) where it stops, resolved from
// offsets, times and the log's current bounds through the admin client.
import { CliError } from './errors.js';
import { offsetsOf, type AdminClient, type PartitionOffsets } from './sdk.js';
import type { Position } from './time.js';

export interface PartitionRange {
  partition: number;
  /** First offset to read. */
  start: number;
  /** Stop before this offset; Infinity = keep following the log. */
  end: number;
  low: number;
  high: number;
}

/** First offset at or after `timestamp` per partition (the log end where no record is that recent). */
export async function offsetsAtTime(
  admin: AdminClient,
  topic: string,
  timestamp: number,
): Promise<Map<number, number>> {
  const found = await admin.fetchTopicOffsetsByTimestamp(topic, timestamp);
  return new Map(found.map((o) => [o.partition, Number(o.offset)]));
}

/** Log bounds of the chosen partitions (all when `only` is undefined); a missing partition is an error. */
export async function boundsOf(
  admin: AdminClient,
  topic: string,
  only?: number,
  isolation?: 'read_uncommitted' | 'read_committed',
): Promise<PartitionOffsets[]> {
  const all = await offsetsOf(admin, topic, isolation);
  if (only === undefined) return all;
  const hit = all.filter((o) => o.partition === only);
  if (hit.length === 0) {
    throw new CliError(
      `partition ${only} does not exist: topic '${topic}' has ${all.length} partition${all.length === 1 ? '' : 's'} (0..${all.length - 1})`,
    );
  }
  return hit;
}

/** Offsets per partition for a replay bound: an offset (clamped into the log) or a time. */
export async function resolvePosition(
  admin: AdminClient,
  topic: string,
  bounds: PartitionOffsets[],
  position: Position,
): Promise<Map<number, number>> {
  if (position.kind === 'offset') {
    return new Map(bounds.map((b) => [b.partition, Math.min(Math.max(position.offset, b.low), b.high)]));
  }
  const at = await offsetsAtTime(admin, topic, position.timestamp);
  return new Map(bounds.map((b) => [b.partition, Math.min(Math.max(at.get(b.partition) ?? b.high, b.low), b.high)]));
}

export function totalRecords(ranges: PartitionRange[]): number {
  return ranges.reduce((n, r) => n + (Number.isFinite(r.end) ? Math.max(0, r.end - r.start) : 0), 0);
}
