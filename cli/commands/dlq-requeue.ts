// `sluice dlq requeue <dlq-topic>`: copies dead letters back to their source topic (or --to) as new records,
// so share groups deliver them again from attempt 1. Which records move and how the copies look are the
// rules of src/client/share/requeue-plan.ts (shared with the HTTP door); this file reads the DLQ with the
// SDK, sends the copies with acks=all and commits the progress after each batch.
//
// Two requeues of the same DLQ topic running at the same time are not coordinated.
import { DLQ_HEADERS } from '../../src/records/queue-headers.js';
import { type RequeueCopy, RequeueRun, type RequeueTally } from '../../src/client/share/requeue-plan.js';
import type { Context } from '../lib/command.js';
import { CliError, UsageError } from '../lib/errors.js';
import { formatCount } from '../lib/output.js';
import { headerPairs } from '../lib/records.js';
import { readRanges } from '../lib/read-partitions.js';
import { connectAdmin, createClient, offsetsOf, requireTopic, type AdminClient, type SendMessage } from '../lib/sdk.js';
import { type RequeueProgress, requeueProgress } from './dlq-progress.js';
import { REQUEUE_GROUP } from './dlq-records.js';

export interface RequeueOptions {
  to?: string;
  filter?: Array<[string, string]>;
  max?: number;
  dryRun?: boolean;
}

export async function requeue(ctx: Context, dlqTopic: string, opts: RequeueOptions): Promise<void> {
  if (opts.to === dlqTopic) throw new UsageError(`--to ${opts.to} is the DLQ topic itself: give another topic`);
  const admin = await connectAdmin(ctx);
  await requireTopic(admin, dlqTopic);
  if (opts.to !== undefined) await requireTopic(admin, opts.to);
  const existing = new Set(await admin.listTopics());
  const partitionCounts = new Map<string, number>();
  const run = new RequeueRun(dlqTopic, opts, {
    exists: (topic) => existing.has(topic),
    partitionCount: async (topic) => {
      if (!partitionCounts.has(topic)) partitionCounts.set(topic, (await offsetsOf(admin, topic)).length);
      return partitionCounts.get(topic)!;
    },
  });

  const bounds = await offsetsOf(admin, dlqTopic);
  const progress = await requeueProgress(admin, dlqTopic, bounds);
  const producer = opts.dryRun
    ? null
    : createClient(ctx, { retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 2000 } }).producer({
        allowAutoTopicCreation: false,
      });
  if (producer) {
    ctx.onCleanup(() => producer.disconnect());
    await producer.connect();
  }

  await readRanges(
    ctx,
    bounds.map((b) => ({
      topic: dlqTopic,
      partition: b.partition,
      start: Math.max(b.low, progress.get(b.partition)!.committed),
      end: b.high,
    })),
    async (range, messages) => {
      const partitionProgress = progress.get(range.partition)!;
      const { copies, more } = await run.plan(
        range.partition,
        partitionProgress,
        messages.map((m) => ({
          offset: Number(m.offset),
          key: m.key ?? null,
          value: m.value ?? null,
          headers: headerPairs(m.headers),
        })),
      );
      if (producer && copies.size > 0) {
        await Promise.all(
          [...copies].map(([topic, batch]) => producer.send({ topic, messages: batch.map(toSend), acks: -1 })),
        );
        await commit(admin, dlqTopic, range.partition, partitionProgress);
      }
      return more;
    },
  );
  report(ctx, dlqTopic, opts, run.tally);
}

/** A planned copy as the SDK sends it (headers as kafkajs's object; a repeated name keeps its values in order). */
function toSend(copy: RequeueCopy): SendMessage {
  const headers: NonNullable<SendMessage['headers']> = {};
  for (const [name, value] of copy.headers) {
    const previous = headers[name];
    if (previous === undefined) headers[name] = value;
    else headers[name] = [...(Array.isArray(previous) ? previous : [previous]), value];
  }
  const message: SendMessage = { key: copy.key, value: copy.value, headers };
  if (copy.partition !== undefined) message.partition = copy.partition;
  return message;
}

async function commit(admin: AdminClient, topic: string, partition: number, progress: RequeueProgress): Promise<void> {
  if (!admin.setOffsets) throw new CliError('this build of the SDK cannot commit group offsets');
  await admin.setOffsets({
    groupId: REQUEUE_GROUP,
    topic,
    partitions: [{ partition, offset: String(progress.committed), metadata: progress.metadata }],
  });
}

const records = (n: number) => `${formatCount(n)} record${n === 1 ? '' : 's'}`;

function report(ctx: Context, dlqTopic: string, opts: RequeueOptions, tally: RequeueTally): void {
  const verb = opts.dryRun ? 'would be requeued' : 'requeued';
  for (const [source, { records: n, target }] of [...tally.moved].sort(([a], [b]) => a.localeCompare(b)))
    ctx.stdout.write(`${source}: ${records(n)} ${verb} to '${target}'\n`);
  const notes: string[] = [];
  if (tally.alreadyRequeued > 0) notes.push(`${records(tally.alreadyRequeued)} already requeued by an earlier run`);
  if (tally.notMatching > 0) notes.push(`${records(tally.notMatching)} not matching --filter`);
  if (opts.max !== undefined && tally.total >= opts.max) notes.push(`stopped at --max ${formatCount(opts.max)}`);
  ctx.info(
    `${opts.dryRun ? 'dry run: ' : ''}${records(tally.total)} ${verb} from '${dlqTopic}'${notes.length > 0 ? ` (${notes.join('; ')})` : ''}${
      opts.dryRun ? '' : `; progress kept as the offsets of group '${REQUEUE_GROUP}' on '${dlqTopic}'`
    }`,
  );
  const problems: string[] = [];
  if (tally.noSource > 0)
    problems.push(`${records(tally.noSource)} without a ${DLQ_HEADERS.sourceTopic} header left in place (give --to)`);
  for (const [target, n] of tally.missingTarget)
    problems.push(`${records(n)} left in place: topic '${target}' does not exist (create it, or give --to)`);
  if (tally.full.length > 0)
    problems.push(
      `stopped early in partition ${tally.full.join(', ')}: the records left behind by --filter are too scattered to record (run without --filter, or with another one, to move them)`,
    );
  if (problems.length > 0) throw new CliError(problems.join('; '));
}
