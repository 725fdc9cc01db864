// `sluice dlq requeue <dlq-topic>`: copies dead letters back to their source topic (or --to) as new records,
// so share groups deliver them again from attempt 1: same key, value and headers, without the DLQ headers,
// plus `sluice-requeued-from: <dlq-topic>:<partition>:<offset>`. A requeued copy goes to its source
// partition when it is written back to its source topic (keeping per-key order), else where the key sends it.
//
// Exactly-once moving across runs: per DLQ partition, the records moved are committed as the offset and
// metadata of the group `sluice-dlq-requeue` (dlq-progress.ts) after each batch of copies is acknowledged.
// A crash between the acknowledgement and the commit moves that batch again on the next run (a duplicate,
// never a loss). Two requeues of the same DLQ topic running at the same time are not coordinated.
import { DLQ_HEADERS } from '../../src/records/queue-headers.js';
import type { Context } from '../lib/command.js';
import { CliError, UsageError } from '../lib/errors.js';
import { formatCount } from '../lib/output.js';
import { readRanges } from '../lib/read-partitions.js';
import {
  connectAdmin,
  createClient,
  offsetsOf,
  requireTopic,
  type AdminClient,
  type KafkaMessage,
  type SendMessage,
} from '../lib/sdk.js';
import { type RequeueProgress, requeueProgress } from './dlq-progress.js';
import { failureOf, headerValue, isDlqHeader, REQUEUE_GROUP } from './dlq-records.js';

export interface RequeueOptions {
  to?: string;
  filter?: Array<[string, string]>;
  max?: number;
  dryRun?: boolean;
}

/** Per source topic: how many records moved, and where to. */
interface Moved {
  records: number;
  target: string;
}

class Tally {
  readonly moved = new Map<string, Moved>();
  total = 0;
  alreadyRequeued = 0;
  notMatching = 0;
  noSource = 0;
  /** Target topic → records left because it does not exist. */
  readonly missingTarget = new Map<string, number>();
  /** Partitions where the progress metadata is full. */
  readonly full: number[] = [];
}

export async function requeue(ctx: Context, dlqTopic: string, opts: RequeueOptions): Promise<void> {
  if (opts.to === dlqTopic) throw new UsageError(`--to ${opts.to} is the DLQ topic itself: give another topic`);
  const admin = await connectAdmin(ctx);
  await requireTopic(admin, dlqTopic);
  if (opts.to !== undefined) await requireTopic(admin, opts.to);
  const existing = new Set(await admin.listTopics());
  const partitionCounts = new Map<string, number>();
  const partitionCount = async (topic: string) => {
    if (!partitionCounts.has(topic)) partitionCounts.set(topic, (await offsetsOf(admin, topic)).length);
    return partitionCounts.get(topic)!;
  };

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
  const max = opts.max ?? Number.POSITIVE_INFINITY;
  const filters = opts.filter ?? [];
  const tally = new Tally();

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
      const sends = new Map<string, SendMessage[]>();
      let more = true;
      for (const m of messages) {
        const offset = Number(m.offset);
        if (partitionProgress.has(offset)) {
          tally.alreadyRequeued++;
          continue;
        }
        if (!filters.every(([name, value]) => headerValue(m, name) === value)) {
          tally.notMatching++;
          continue;
        }
        if (tally.total >= max) {
          more = false;
          break;
        }
        const failure = failureOf(m);
        const target = opts.to ?? failure.sourceTopic;
        if (target === null) {
          tally.noSource++;
          continue;
        }
        if (!existing.has(target)) {
          tally.missingTarget.set(target, (tally.missingTarget.get(target) ?? 0) + 1);
          continue;
        }
        if (!partitionProgress.add(offset)) {
          tally.full.push(range.partition);
          more = false;
          break;
        }
        const copy = await copyOf(m, `${dlqTopic}:${range.partition}:${offset}`, target, failure, partitionCount);
        sends.set(target, [...(sends.get(target) ?? []), copy]);
        const source = failure.sourceTopic ?? '(unknown source)';
        const entry = tally.moved.get(source) ?? { records: 0, target };
        entry.records++;
        tally.moved.set(source, entry);
        tally.total++;
      }
      if (producer && sends.size > 0) {
        await Promise.all([...sends].map(([topic, batch]) => producer.send({ topic, messages: batch, acks: -1 })));
        await commit(admin, dlqTopic, range.partition, partitionProgress);
      }
      return more;
    },
  );
  report(ctx, dlqTopic, opts, tally);
}

/** The record to write back: DLQ headers dropped, where it came from added, attempts start again (a new record). */
async function copyOf(
  m: KafkaMessage,
  from: string,
  target: string,
  failure: ReturnType<typeof failureOf>,
  partitionCount: (topic: string) => Promise<number>,
): Promise<SendMessage> {
  const headers: NonNullable<SendMessage['headers']> = {};
  for (const [name, value] of Object.entries(m.headers ?? {})) {
    if (isDlqHeader(name) || value === undefined) continue;
    headers[name] = Array.isArray(value) ? value.map((v) => v ?? null) : value;
  }
  headers[DLQ_HEADERS.requeuedFrom] = from;
  const copy: SendMessage = { key: m.key, value: m.value, headers };
  const back = target === failure.sourceTopic && failure.sourcePartition !== null;
  if (back && failure.sourcePartition! < (await partitionCount(target))) copy.partition = failure.sourcePartition!;
  return copy;
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

function report(ctx: Context, dlqTopic: string, opts: RequeueOptions, tally: Tally): void {
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
