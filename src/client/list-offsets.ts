// ListOffsets against partition leaders, shared by admin and consumer. `timestamp`: EARLIEST (-2),
// LATEST (-1) or milliseconds since the epoch (first offset whose record timestamp is >= it; -1 if none).
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, ListOffsetsApi } from '../protocol/apis/list-offsets.js';
import type { Cluster } from './cluster.js';
import { SluiceProtocolError } from './errors.js';

export { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP };

export interface OffsetQuery {
  topic: string;
  partition: number;
  timestamp: number;
}

/** Resolves each query to an offset; Map key `${topic}\0${partition}`. Throws the first partition error. */
export async function listOffsets(cluster: Cluster, queries: OffsetQuery[]): Promise<Map<string, number>> {
  const byLeader = new Map<number, OffsetQuery[]>();
  for (const q of queries) {
    const leader = cluster.leaderOf(q.topic, q.partition);
    const list = byLeader.get(leader);
    if (list) list.push(q);
    else byLeader.set(leader, [q]);
  }
  const out = new Map<string, number>();
  await Promise.all(
    [...byLeader].map(async ([leader, list]) => {
      const topics = new Map<string, Array<{ partition: number; timestamp: number }>>();
      for (const q of list) {
        const parts = topics.get(q.topic);
        if (parts) parts.push({ partition: q.partition, timestamp: q.timestamp });
        else topics.set(q.topic, [{ partition: q.partition, timestamp: q.timestamp }]);
      }
      const connection = await cluster.nodeConnection(leader);
      const response = await connection.send(ListOffsetsApi, {
        isolationLevel: 0,
        topics: [...topics].map(([name, partitions]) => ({ name, partitions })),
      });
      for (const t of response.topics) {
        for (const p of t.partitions) {
          if (p.errorCode !== 0) {
            cluster.markStale();
            throw new SluiceProtocolError(p.errorCode, p.errorMessage ?? `ListOffsets failed for ${t.name}-${p.partition}`);
          }
          out.set(`${t.name}\u0000${p.partition}`, p.offset);
        }
      }
    }),
  );
  return out;
}

export function offsetKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}
