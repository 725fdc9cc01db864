// Reads fixed offset ranges of several topic-partitions once, without a group: one consumer assigned to
// all of them, each partition paused once its range is read (or its handler says it has enough). For
// commands that look at existing records (dlq list/peek/requeue), not for following a log.
import type { Context } from './command.js';
import { createClient, onCrash, type EachBatchPayload, type KafkaMessage } from './sdk.js';

export interface ReadRange {
  topic: string;
  partition: number;
  /** First offset to read. */
  start: number;
  /** Stop before this offset (the high watermark when reading began). */
  end: number;
}

/** Gets the records of one batch inside its range, in offset order; returns false to stop reading that partition. */
export type OnRecords = (range: ReadRange, messages: KafkaMessage[]) => boolean | Promise<boolean>;

export async function readRanges(ctx: Context, ranges: ReadRange[], onRecords: OnRecords): Promise<void> {
  const live = new Map<string, ReadRange>();
  for (const r of ranges) if (r.start < r.end) live.set(`${r.topic}\u0000${r.partition}`, r);
  if (live.size === 0) return;
  const client = createClient(ctx, { retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 2000 } });
  const consumer = client.consumer({ maxWaitTimeInMs: 500, maxBytesPerPartition: 1024 * 1024 });
  ctx.onCleanup(() => consumer.disconnect());
  if (!consumer.assign) throw new Error('this SDK cannot assign partitions');
  let finish!: () => void;
  let fail!: (err: unknown) => void;
  const done = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  onCrash(consumer, fail);
  await consumer.connect();
  const byTopic = new Map<string, number[]>();
  for (const r of live.values()) byTopic.set(r.topic, [...(byTopic.get(r.topic) ?? []), r.partition]);
  consumer.assign([...byTopic].map(([topic, partitions]) => ({ topic, partitions })));
  for (const r of live.values()) consumer.seek({ topic: r.topic, partition: r.partition, offset: String(r.start) });
  await consumer.run({
    eachBatch: async ({ batch, pause }: EachBatchPayload) => {
      const key = `${batch.topic}\u0000${batch.partition}`;
      const range = live.get(key);
      if (!range) return;
      const inRange = batch.messages.filter((m) => Number(m.offset) >= range.start && Number(m.offset) < range.end);
      let more = true;
      try {
        if (inRange.length > 0) more = await onRecords(range, inRange);
      } catch (err) {
        fail(err);
        return;
      }
      const last = batch.lastOffset?.() ?? batch.messages[batch.messages.length - 1]?.offset;
      if (!more || (last !== undefined && Number(last) + 1 >= range.end)) {
        live.delete(key);
        pause?.();
      }
      if (live.size === 0) finish();
    },
  });
  try {
    await done;
  } finally {
    await consumer.stop();
  }
}
