// `sluice replay <topic> --from <offset|time> [--to <offset|time>] --into <other>`: copies a range of
// history into another topic with keys, headers and timestamps kept. Partition numbers are kept when
// the target has as many partitions as the source (so per-partition order carries over exactly);
// otherwise records are placed by key. Records are sent as produce sends them (partition-sender.ts), in
// batches sized to the target's max.message.bytes; a record too large for it alone stops the replay, named.
import type { Command } from 'commander';
import { createDefaultPartitioner, estimateRecordSize } from '../../src/records/index.js';
import { BATCH_HEADER_SIZE } from '../../storage/format/record-batch.js';
import { action, subcommand, withBrokers, type Context } from '../lib/command.js';
import { CliError, UsageError, describeError } from '../lib/errors.js';
import { parseInteger } from '../lib/options.js';
import { ProgressBar, formatCount } from '../lib/output.js';
import { PartitionSender } from '../lib/partition-sender.js';
import { planTopic, recordFits, sendBudget, type TopicPlan } from '../lib/produce-topic.js';
import { boundsOf, resolvePosition, totalRecords, type PartitionRange } from '../lib/ranges.js';
import { headerPairs } from '../lib/records.js';
import {
  connectAdmin,
  createClient,
  offsetsOf,
  onCrash,
  requireTopic,
  type AdminClient,
  type EachBatchPayload,
  type SendMessage,
} from '../lib/sdk.js';
import { TIME_HELP, formatDuration, positionOption, type Position } from '../lib/time.js';

interface ReplayOptions {
  from: Position;
  to?: Position;
  into: string;
  partition?: number;
  dryRun?: boolean;
}

export function register(program: Command): void {
  const cmd = subcommand(
    program,
    'replay',
    'copy a range of a topic’s history into another topic (keys, headers, timestamps kept)',
  )
    .argument('<topic>', 'topic to copy from')
    .requiredOption('--from <offset|time>', `first record: an offset, or ${TIME_HELP}`, positionOption)
    .option(
      '--to <offset|time>',
      'stop before this offset or time (default: the end of the log at start)',
      positionOption,
    )
    .requiredOption('--into <topic>', 'topic to copy into (created with the same partition count if missing)')
    .option('-p, --partition <n>', 'copy only this partition', parseInteger('partition', 0))
    .option('--dry-run', 'print what would be copied and stop')
    .addHelpText(
      'after',
      `\nExamples:\n  sluice replay orders --from 1h --into orders-retry\n  sluice replay orders --from 2024-05-01T00:00:00Z --to 2024-05-02T00:00:00Z --into orders-may1\n  sluice replay orders --from 0 --to 1000 --into orders-sample`,
    );
  withBrokers(cmd).action(action(replay));
}

async function planRanges(admin: AdminClient, topic: string, opts: ReplayOptions): Promise<PartitionRange[]> {
  const bounds = await boundsOf(admin, topic, opts.partition);
  const from = await resolvePosition(admin, topic, bounds, opts.from);
  const to = opts.to ? await resolvePosition(admin, topic, bounds, opts.to) : undefined;
  return bounds.map(({ partition, low, high }) => ({
    partition,
    low,
    high,
    start: from.get(partition)!,
    end: to?.get(partition) ?? high,
  }));
}

const partitions = (n: number) => `${n} partition${n === 1 ? '' : 's'}`;

/** Creates the target like the source when missing; says whether partition numbers can be kept. */
async function prepareTarget(
  ctx: Context,
  admin: AdminClient,
  target: TopicPlan,
  sourcePartitions: number,
): Promise<boolean> {
  if (!target.existed) {
    await admin.createTopics({ topics: [{ topic: target.topic, numPartitions: sourcePartitions }] });
    target.partitions = (await offsetsOf(admin, target.topic)).map((o) => o.partition);
    ctx.info(`created topic '${target.topic}' with ${partitions(sourcePartitions)}`);
    return true;
  }
  if (target.partitions.length === sourcePartitions) return true;
  ctx.warn(
    `'${target.topic}' has ${partitions(target.partitions.length)} and the source ${sourcePartitions}: records are placed by key, so order is kept per key only`,
  );
  return false;
}

async function replay(ctx: Context, topic: string, opts: ReplayOptions): Promise<void> {
  if (opts.into === topic)
    throw new UsageError('--into must name another topic: replaying a topic into itself would read its own output');
  if (opts.from.kind === opts.to?.kind) {
    const a = opts.from.kind === 'offset' ? opts.from.offset : opts.from.timestamp;
    const b = opts.to.kind === 'offset' ? opts.to.offset : opts.to.timestamp;
    if (b <= a) throw new UsageError('--to must come after --from');
  }
  const admin = await connectAdmin(ctx);
  await requireTopic(admin, topic);
  const ranges = (await planRanges(admin, topic, opts)).filter((r) => r.end > r.start);
  const total = totalRecords(ranges);
  const sourcePartitions = (await offsetsOf(admin, topic)).length;
  if (opts.dryRun) {
    for (const r of ranges)
      ctx.stdout.write(
        `partition ${r.partition}: offsets ${r.start}..${r.end - 1} (${formatCount(r.end - r.start)} records)\n`,
      );
    ctx.stdout.write(`would copy ${formatCount(total)} records from '${topic}' into '${opts.into}'\n`);
    return;
  }
  if (total === 0) return void ctx.info(`nothing to replay: no records of '${topic}' in that range`);
  const target = await planTopic(admin, opts.into, { createTopic: true });
  const keepPartitions = await prepareTarget(ctx, admin, target, sourcePartitions);

  const client = createClient(ctx, { retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 2000 } });
  const groupBytes = sendBudget(target);
  const maxInFlight = 4;
  const producer = client.producer({ maxInFlightRequests: maxInFlight, batchSize: groupBytes });
  const consumer = client.consumer({ maxBytesPerPartition: 4 * 1024 * 1024, maxWaitTimeInMs: 1000 });
  ctx.onCleanup(() => producer.disconnect());
  ctx.onCleanup(() => consumer.disconnect());
  await Promise.all([producer.connect(), consumer.connect()]);

  const started = Date.now();
  const bar = new ProgressBar(ctx.stderr, `replaying ${topic} → ${opts.into}`, total);
  const live = new Map(ranges.map((r) => [r.partition, r]));
  const sender = new PartitionSender(producer, {
    topic: opts.into,
    acks: -1,
    compression: 0,
    maxInFlight,
    groupBytes,
    groupRecords: 10_000,
    stopOnError: true,
  });
  const partitioner = createDefaultPartitioner();
  const partitionMetadata = target.partitions.map((partitionId) => ({ partitionId, leader: 0 }));
  let failure: unknown;
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  onCrash(consumer, (err) => {
    failure ??= err;
    finish();
  });
  consumer.assign!([{ topic, partitions: [...live.keys()] }]);
  for (const r of ranges) consumer.seek({ topic, partition: r.partition, offset: String(r.start) });
  await consumer.run({
    eachBatch: async ({ batch, pause }: EachBatchPayload) => {
      const range = live.get(batch.partition);
      if (!range) return;
      if (failure || sender.stopped) return finish();
      let read = 0;
      for (const m of batch.messages) {
        if (Number(m.offset) >= range.end) break;
        read++;
        const bytes = estimateRecordSize({
          key: m.key,
          value: m.value,
          headers: headerPairs(m.headers),
          timestamp: Number(m.timestamp),
        });
        if (!recordFits(target, bytes)) {
          failure = new CliError(
            `the record at offset ${m.offset} of '${topic}' partition ${batch.partition} makes a batch of up to ${formatCount(bytes + BATCH_HEADER_SIZE)} bytes, over the max.message.bytes of '${opts.into}' (${formatCount(target.maxMessageBytes)})`,
          );
          return finish();
        }
        const msg: SendMessage = {
          key: m.key,
          value: m.value,
          timestamp: m.timestamp,
          headers: m.headers as SendMessage['headers'],
          partition: keepPartitions
            ? batch.partition
            : partitioner({ topic: opts.into, partitionMetadata, message: { key: m.key } }),
        };
        const payload = (m.key?.length ?? 0) + (m.value?.length ?? 0);
        const room = sender.add(msg.partition!, msg, bytes, payload, Number(m.offset));
        if (room) await room;
        if (sender.stopped) return finish();
      }
      bar.update(sender.acked);
      if (read < batch.messages.length || Number(batch.messages.at(-1)?.offset ?? -1) + 1 >= range.end) {
        live.delete(batch.partition);
        pause?.();
        if (live.size === 0) finish();
      }
    },
  });
  await done;
  await consumer.stop();
  // Records read before a failure are still sent: "copied" counts exactly what the target acknowledged.
  await sender.finish();
  const copied = sender.acked;
  bar.finish(copied);
  failure ??= sender.failures[0]?.error;
  if (failure)
    throw new CliError(
      `replay stopped after copying ${formatCount(copied)} of ${formatCount(total)} records: ${describeError(failure, { brokers: ctx.brokers })}`,
      { cause: failure },
    );
  ctx.info(
    `replayed ${formatCount(copied)} record${copied === 1 ? '' : 's'} from '${topic}' into '${opts.into}' in ${formatDuration(Date.now() - started)}`,
  );
}
