// Reads what `sluice dlq requeue` has already moved out of each DLQ partition (the RequeueProgress of
// src/client/share/requeue-progress.ts) from the commits of the group `sluice-dlq-requeue`.
import { REQUEUE_GROUP } from '../../src/client/share/dead-letters.js';
import { RequeueProgress } from '../../src/client/share/requeue-progress.js';
import type { AdminClient } from '../lib/sdk.js';

export { METADATA_BUDGET, RequeueProgress } from '../../src/client/share/requeue-progress.js';

/** Each partition's requeue progress, from the commits of the requeue group. */
export async function requeueProgress(
  admin: AdminClient,
  topic: string,
  parts: Array<{ partition: number; low: number }>,
): Promise<Map<number, RequeueProgress>> {
  const fetched = (await admin.fetchOffsets?.({ groupId: REQUEUE_GROUP, topics: [topic] })) ?? [];
  const committed = new Map(
    (fetched.find((t) => t.topic === topic)?.partitions ?? []).map((p) => [p.partition, p] as const),
  );
  return new Map(
    parts.map((b) => {
      const c = committed.get(b.partition);
      return [b.partition, RequeueProgress.fromCommit(Number(c?.offset ?? -1), c?.metadata, b.low)] as const;
    }),
  );
}
