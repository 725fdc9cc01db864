// ListOffsets against partition leaders, shared by admin and consumer. `timestamp`: EARLIEST (-2),
// LATEST (-1) or milliseconds since the epoch (first offset whose record timestamp is >= it; -1 if none).
import { FetchApi } from '../protocol/apis/fetch.js';
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, ListOffsetsApi } from '../protocol/apis/list-offsets.js';
import { decodeFetchedChunk, scanFetchedRecords } from './consumer/decode.js';
import type { Cluster } from './cluster.js';
import { SluiceProtocolError } from './errors.js';
import { topicPartitionKey } from './topic-partition.js';

export { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP };

/** read_committed: LATEST is the last stable offset (no open transaction below it), not the high watermark. */
export type Isolation = 'read_uncommitted' | 'read_committed';

export interface OffsetQuery {
  topic: string;
  partition: number;
  timestamp: number;
}

/**
 * Resolves each query to an offset; Map key topicPartitionKey(topic, partition). Throws the first partition error.
 * Timestamp queries are exact to the record: the broker answers with the first *batch* whose max
 * timestamp is >= the one asked, so that batch is fetched and scanned for the first such record.
 */
export async function listOffsets(
  cluster: Cluster,
  queries: OffsetQuery[],
  isolation: Isolation = 'read_uncommitted',
): Promise<Map<string, number>> {
  const out = await listBatchOffsets(cluster, queries, isolation);
  await Promise.all(
    queries
      .filter((q) => q.timestamp >= 0 && out.get(topicPartitionKey(q.topic, q.partition))! >= 0)
      .map(async (q) => {
        const key = topicPartitionKey(q.topic, q.partition);
        out.set(key, await firstOffsetAtOrAfter(cluster, q.topic, q.partition, out.get(key)!, q.timestamp));
      }),
  );
  return out;
}

/** Scans the batch at `offset` for the first record with timestamp >= `timestamp`. */
async function firstOffsetAtOrAfter(
  cluster: Cluster,
  topic: string,
  partition: number,
  offset: number,
  timestamp: number,
): Promise<number> {
  const connection = await cluster.nodeConnection(cluster.leaderOf(topic, partition));
  const response = await connection.send(FetchApi, {
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1, // the first batch is always returned whole
    isolationLevel: 0,
    topics: [{ name: topic, partitions: [{ partition, fetchOffset: offset, partitionMaxBytes: 1 }] }],
  });
  const result = response.topics[0]?.partitions[0];
  const bytes = result?.errorCode === 0 ? result.records[0] : undefined;
  if (!bytes) return offset;
  const { end } = scanFetchedRecords(bytes, offset);
  if (end === 0) return offset;
  const { messages } = await decodeFetchedChunk(bytes, 0, end, offset, end);
  for (const m of messages) if (Number(m.timestamp) >= timestamp) return Number(m.offset);
  return offset;
}

async function listBatchOffsets(
  cluster: Cluster,
  queries: OffsetQuery[],
  isolation: Isolation,
): Promise<Map<string, number>> {
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
        isolationLevel: isolation === 'read_committed' ? 1 : 0,
        topics: [...topics].map(([name, partitions]) => ({ name, partitions })),
      });
      for (const t of response.topics) {
        for (const p of t.partitions) {
          if (p.errorCode !== 0) {
            cluster.markStale();
            throw new SluiceProtocolError(
              p.errorCode,
              p.errorMessage ?? `ListOffsets failed for ${t.name}-${p.partition}`,
            );
          }
          out.set(topicPartitionKey(t.name, p.partition), p.offset);
        }
      }
    }),
  );
  return out;
}
