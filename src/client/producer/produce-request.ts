// One produce request's content: per partition, the batches it carries (a Slot), and the encoding of
// the request body + tail without copying record bytes.
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
 * Produce request body + tail, byte-identical to ProduceApi.encodeRequest but with several batches
 * per partition: each partition's batches are written back to back as separate tail chunks (no copy),
 * and its `recordsBytes` is their total.
 */
export function encodeProduce(acks: number, timeoutMs: number, slots: Slot[]): { body: unknown; tail: Buffer[] } {
  // The tail must follow the body's order: topics in first-seen order, partitions within each topic.
  const byTopic = new Map<string, Slot[]>();
  for (const slot of slots) {
    const list = byTopic.get(slot.q.topic);
    if (list) list.push(slot);
    else byTopic.set(slot.q.topic, [slot]);
  }
  const tail: Buffer[] = [];
  const topics: Array<{ name: string; partitions: Array<{ partition: number; recordsBytes: number }> }> = [];
  for (const [name, list] of byTopic) {
    const partitions = list.map(({ q, batches }) => {
      let recordsBytes = 0;
      for (const batch of batches) {
        tail.push(batch.encoded!);
        recordsBytes += batch.encoded!.length;
      }
      return { partition: q.partition, recordsBytes };
    });
    topics.push({ name, partitions });
  }
  return { body: { acks, timeoutMs, topics }, tail };
}

export function timeoutOf(batch: ProducerBatchEntry): number {
  let timeoutMs = 0;
  for (const part of batch.parts) timeoutMs = Math.max(timeoutMs, part.send.timeoutMs);
  return timeoutMs;
}
