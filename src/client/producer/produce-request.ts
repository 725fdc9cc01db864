// One produce request's content: per partition, the batches it carries (a Slot), as ProduceApi's request.
import type { Acks, ProduceRequestInput } from '../../protocol/apis/produce.js';
import type { ProducerBatchEntry } from './batch.js';
import type { PartitionQueue } from './partition-queue.js';

export interface Slot {
  q: PartitionQueue;
  batches: ProducerBatchEntry[];
  timeoutMs: number;
  /** The batches carry sequences (pipelined); else the partition's only request in flight. */
  sequenced: boolean;
}

/**
 * The produce request of `slots`: per partition, its batches back to back (ProduceApi writes each as its own
 * tail chunk, no copy). Topics keep their first-seen order, partitions their order within a topic.
 */
export function produceRequest(acks: Acks, timeoutMs: number, slots: Slot[]): ProduceRequestInput {
  const byTopic = new Map<string, Array<{ partition: number; records: Buffer[] }>>();
  for (const { q, batches } of slots) {
    const records = batches.map((batch) => batch.encoded!);
    const list = byTopic.get(q.topic);
    if (list) list.push({ partition: q.partition, records });
    else byTopic.set(q.topic, [{ partition: q.partition, records }]);
  }
  const topics: ProduceRequestInput['topics'] = [];
  for (const [name, partitions] of byTopic) topics.push({ name, partitions });
  return { acks, timeoutMs, topics };
}

export function timeoutOf(batch: ProducerBatchEntry): number {
  let timeoutMs = 0;
  for (const part of batch.parts) timeoutMs = Math.max(timeoutMs, part.send.timeoutMs);
  return timeoutMs;
}
