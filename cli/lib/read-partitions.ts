// Reading topic-partitions without a group: one consumer assigned to them, each sought to its first offset.
// `readAssigned` is the scaffolding (connect, assign, seek, a crash fails the read, stop at the end);
// `readRanges` reads fixed offset ranges once, each partition paused once its range is read (or its handler
// says it has enough): for commands that look at existing records (dlq list/peek/requeue). Commands that
// follow a log (activity --follow) call `readAssigned` and finish on their own condition.
import type { Context } from './command.js';
import { createClient, onCrash, type EachBatchPayload, type KafkaMessage } from './sdk.js';

export interface ReadStart {
  topic: string;
  partition: number;
  /** First offset to read. */
  offset: number;
}

/** How a batch handler of `readAssigned` ends the read: done, or failed with an error. */
export interface ReadControl {
  finish(): void;
  fail(err: unknown): void;
}

export interface ReadAssignedOptions {
  /** The consumer's long-poll wait; a reader that follows a log waits longer than one reading a range. */
  maxWaitTimeInMs: number;
  /** Ends the read when it settles (Ctrl-C for a follower), besides finish() and fail(). */
  until?: Promise<unknown>;
}

/**
 * Reads `starts` from their offsets, handing each batch to `onBatch`, until it calls finish() or fail(),
 * `options.until` settles, or the consumer crashes (the read fails with the crash's error).
 */
export async function readAssigned(
  ctx: Context,
  starts: ReadStart[],
  options: ReadAssignedOptions,
  onBatch: (payload: EachBatchPayload, control: ReadControl) => Promise<void>,
): Promise<void> {
  const client = createClient(ctx, { retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 2000 } });
  const consumer = client.consumer({ maxWaitTimeInMs: options.maxWaitTimeInMs, maxBytesPerPartition: 1024 * 1024 });
  ctx.onCleanup(() => consumer.disconnect());
  if (!consumer.assign) throw new Error('this SDK cannot assign partitions');
  let finish!: () => void;
  let fail!: (err: unknown) => void;
  const done = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  const control: ReadControl = { finish, fail };
  onCrash(consumer, fail);
  await consumer.connect();
  const byTopic = new Map<string, number[]>();
  for (const s of starts) byTopic.set(s.topic, [...(byTopic.get(s.topic) ?? []), s.partition]);
  consumer.assign([...byTopic].map(([topic, partitions]) => ({ topic, partitions })));
  for (const s of starts) consumer.seek({ topic: s.topic, partition: s.partition, offset: String(s.offset) });
  await consumer.run({
    eachBatch: async (payload: EachBatchPayload) => {
      try {
        await onBatch(payload, control);
      } catch (err) {
        fail(err);
      }
    },
  });
  try {
    await Promise.race([done, ...(options.until ? [options.until] : [])]);
  } finally {
    await consumer.stop();
  }
}

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
  const starts = [...live.values()].map((r) => ({ topic: r.topic, partition: r.partition, offset: r.start }));
  await readAssigned(ctx, starts, { maxWaitTimeInMs: 500 }, async ({ batch, pause }, { finish }) => {
    const key = `${batch.topic}\u0000${batch.partition}`;
    const range = live.get(key);
    if (!range) return;
    const inRange = batch.messages.filter((m) => Number(m.offset) >= range.start && Number(m.offset) < range.end);
    const more = inRange.length > 0 ? await onRecords(range, inRange) : true;
    const last = batch.lastOffset?.() ?? batch.messages[batch.messages.length - 1]?.offset;
    if (!more || (last !== undefined && Number(last) + 1 >= range.end)) {
      live.delete(key);
      pause?.();
    }
    if (live.size === 0) finish();
  });
}
