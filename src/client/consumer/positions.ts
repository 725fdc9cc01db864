// Start positions: an explicit offset, earliest, latest, or the first offset at/after a timestamp,
// resolved with one ListOffsets per leader for all partitions that need one.
import type { Cluster } from '../cluster.js';
import { SluiceNonRetriableError } from '../errors.js';
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, listOffsets } from '../list-offsets.js';
import { topicPartitionKey } from '../topic-partition.js';

export type PositionRequest =
  | { kind: 'offset'; offset: number }
  | { kind: 'earliest' }
  | { kind: 'latest' }
  | { kind: 'timestamp'; timestamp: number };

/** `seek()` offsets: a non-negative offset, or kafkajs-style '-2' earliest / '-1' latest (kafkajs's errors). */
export function parseSeekOffset(offset: string | number): PositionRequest {
  const n = typeof offset === 'string' && offset.trim() === '' ? Number.NaN : Number(offset);
  if (!Number.isSafeInteger(n))
    throw new SluiceNonRetriableError(`Invalid offset, expected a long received ${String(offset)}`);
  if (n < EARLIEST_TIMESTAMP) throw new SluiceNonRetriableError('Offset must not be a negative number');
  if (n === EARLIEST_TIMESTAMP) return { kind: 'earliest' };
  if (n === LATEST_TIMESTAMP) return { kind: 'latest' };
  return { kind: 'offset', offset: n };
}

export async function resolvePositions(
  cluster: Cluster,
  requests: Array<{ topic: string; partition: number; request: PositionRequest }>,
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const queries: Array<{ topic: string; partition: number; timestamp: number }> = [];
  const byTimestamp: Array<{ topic: string; partition: number }> = [];
  for (const { topic, partition, request } of requests) {
    if (request.kind === 'offset') out.set(topicPartitionKey(topic, partition), request.offset);
    else if (request.kind === 'earliest') queries.push({ topic, partition, timestamp: EARLIEST_TIMESTAMP });
    else if (request.kind === 'latest') queries.push({ topic, partition, timestamp: LATEST_TIMESTAMP });
    else {
      queries.push({ topic, partition, timestamp: request.timestamp });
      byTimestamp.push({ topic, partition });
    }
  }
  if (queries.length === 0) return out;
  // A timestamp query may ask for earliest and timestamp of the same partition: split into two calls.
  const found = await listOffsets(
    cluster,
    queries.filter((q) => q.timestamp < 0),
  );
  const stamped = await listOffsets(
    cluster,
    queries.filter((q) => q.timestamp >= 0),
  );
  for (const [key, offset] of found) out.set(key, offset);
  if (byTimestamp.length > 0) {
    // No record at or after the timestamp: start at the end, as Kafka's offsetsForTimes users do.
    const latest = await listOffsets(
      cluster,
      byTimestamp.map((p) => ({ ...p, timestamp: LATEST_TIMESTAMP })),
    );
    for (const [key, offset] of stamped) out.set(key, offset >= 0 ? offset : latest.get(key)!);
  }
  return out;
}
