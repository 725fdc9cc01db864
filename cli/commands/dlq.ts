// `sluice dlq list|peek|requeue`: dead-letter topics of share groups. A DLQ topic is an ordinary topic
// (default name `<topic>.dlq`) whose records carry the failure headers of src/records/queue-headers.ts;
// these commands find them, show those headers readably, and copy records back (dlq-requeue.ts).
import { Option, type Command } from 'commander';
import { action, subcommand, withBrokers, withFormat, type Context } from '../lib/command.js';
import { collectKeyValue, parseInteger } from '../lib/options.js';
import { formatCount, jsonLine, renderTable } from '../lib/output.js';
import { readRanges } from '../lib/read-partitions.js';
import { headersText, recordToJson, textOf } from '../lib/records.js';
import { connectAdmin, offsetsOf, requireTopic, type AdminClient, type KafkaMessage } from '../lib/sdk.js';
import { isoTime } from '../lib/time.js';
import { failureOf, hasDlqName, isDeadLettered, isDlqHeader, REQUEUE_GROUP } from './dlq-records.js';
import { requeueProgress } from './dlq-progress.js';
import { requeue } from './dlq-requeue.js';

type Format = 'text' | 'json';

export function register(program: Command): void {
  const dlq = subcommand(program, 'dlq', 'dead-letter topics of share groups: list, peek at and requeue their records');

  withFormat(
    withBrokers(
      subcommand(
        dlq,
        'list',
        'topics that hold dead letters (named <topic>.dlq, or whose records carry the DLQ headers), with counts',
      ),
    ),
  ).action(action(listDlqs));

  const peek = subcommand(dlq, 'peek', 'show the oldest records of a DLQ topic with their failure headers')
    .argument('<dlq-topic>', 'dead-letter topic')
    .addOption(
      new Option('-n, --max-messages <n>', 'records to show').argParser(parseInteger('max-messages', 1)).default(10),
    );
  withFormat(withBrokers(peek)).action(action(peekDlq));

  const requeueCmd = subcommand(
    dlq,
    'requeue',
    'copy records of a DLQ topic back to their source topic (attempts start again); each record is moved once',
  )
    .argument('<dlq-topic>', 'dead-letter topic')
    .option('--to <topic>', 'write to this topic instead of each record’s source topic')
    .option(
      '--filter <header=value>',
      'only records with this header value, e.g. sluice-dlq-source-topic=orders (repeatable: all must match)',
      collectKeyValue('filter'),
    )
    .option('--max <n>', 'move at most this many records', parseInteger('max', 1))
    .option('--dry-run', 'show what would be moved, move nothing')
    .addHelpText(
      'after',
      `\nProgress is kept as the committed offsets (with metadata) of the consumer group '${REQUEUE_GROUP}'\non the DLQ topic: running the same command again moves only records not moved before.\n\nExamples:\n  sluice dlq requeue orders.dlq --dry-run\n  sluice dlq requeue orders.dlq --filter sluice-dlq-group=billing --max 100\n  sluice dlq requeue orders.dlq --to orders-retry`,
    );
  withBrokers(requeueCmd).action(action(requeue));
}

interface DlqSummary {
  topic: string;
  partitions: number;
  records: number;
  /** Records `sluice dlq requeue` has not moved yet. */
  notRequeued: number;
}

async function listDlqs(ctx: Context, opts: { format: Format }): Promise<void> {
  const admin = await connectAdmin(ctx);
  const topics = (await admin.listTopics()).filter((t) => !t.startsWith('__')).sort();
  const bounds = new Map(await Promise.all(topics.map(async (t) => [t, await offsetsOf(admin, t)] as const)));
  // A topic not named like a DLQ is one when the first record of a non-empty partition is a dead letter.
  const candidates = topics.filter((t) => !hasDlqName(t));
  const byHeaders = new Set<string>();
  await readRanges(
    ctx,
    candidates.flatMap((topic) =>
      bounds
        .get(topic)!
        .map((b) => ({ topic, partition: b.partition, start: b.low, end: Math.min(b.high, b.low + 1) })),
    ),
    (range, messages) => {
      if (messages.some(isDeadLettered)) byHeaders.add(range.topic);
      return false;
    },
  );
  const dlqs = topics.filter((t) => hasDlqName(t) || byHeaders.has(t));
  const rows: DlqSummary[] = [];
  for (const topic of dlqs) {
    const parts = bounds.get(topic)!;
    const records = parts.reduce((n, b) => n + (b.high - b.low), 0);
    rows.push({ topic, partitions: parts.length, records, notRequeued: await notRequeued(admin, topic, parts) });
  }
  if (opts.format === 'json') {
    for (const r of rows) ctx.stdout.write(jsonLine(r));
    return;
  }
  if (rows.length === 0)
    return void ctx.info('no dead-letter topics: share groups write failed records to <topic>.dlq by default');
  ctx.stdout.write(
    renderTable(
      [
        { header: 'TOPIC' },
        { header: 'PARTITIONS', align: 'right' },
        { header: 'RECORDS', align: 'right' },
        { header: 'NOT REQUEUED', align: 'right' },
      ],
      rows.map((r) => [r.topic, String(r.partitions), formatCount(r.records), formatCount(r.notRequeued)]),
      ctx.color,
    ),
  );
}

/** Records of the topic that `sluice dlq requeue` has not moved (all of them when it never ran there). */
async function notRequeued(
  admin: AdminClient,
  topic: string,
  parts: Array<{ partition: number; low: number; high: number }>,
): Promise<number> {
  const progress = await requeueProgress(admin, topic, parts);
  return parts.reduce((n, b) => n + progress.get(b.partition)!.notRequeuedIn(b.low, b.high), 0);
}

async function peekDlq(ctx: Context, topic: string, opts: { format: Format; maxMessages: number }): Promise<void> {
  const admin = await connectAdmin(ctx);
  await requireTopic(admin, topic);
  const bounds = await offsetsOf(admin, topic);
  const max = opts.maxMessages;
  let shown = 0;
  const total = bounds.reduce((n, b) => n + (b.high - b.low), 0);
  // Partition by partition, oldest first, so the output is in a stable order.
  for (const b of bounds) {
    if (shown >= max) break;
    const end = Math.min(b.high, b.low + (max - shown));
    await readRanges(ctx, [{ topic, partition: b.partition, start: b.low, end }], (_range, messages) => {
      const take = messages.slice(0, max - shown);
      for (const m of take) ctx.stdout.write(render(topic, b.partition, m, opts.format));
      shown += take.length;
      return shown < max;
    });
  }
  if (opts.format === 'text')
    ctx.info(
      total === 0
        ? `'${topic}' is empty`
        : `showed ${formatCount(shown)} of ${formatCount(total)} record${total === 1 ? '' : 's'} in '${topic}'`,
    );
}

function render(topic: string, partition: number, m: KafkaMessage, format: Format): string {
  const f = failureOf(m);
  if (format === 'json') {
    return jsonLine({
      ...recordToJson({ topic, partition, ...m }),
      // The share group's id is `groupId`, as in every JSON the CLI writes (the SDK's Failure says `group`).
      failure: {
        sourceTopic: f.sourceTopic,
        sourcePartition: f.sourcePartition,
        sourceOffset: f.sourceOffset,
        groupId: f.group,
        attempts: f.attempts,
        error: f.error,
        time: f.time === null ? null : isoTime(f.time),
        requeuedFrom: f.requeuedFrom,
      },
    });
  }
  const where =
    f.sourceTopic === null
      ? '(no source headers: not written by a share group)'
      : `${f.sourceTopic} partition ${f.sourcePartition ?? '?'} offset ${f.sourceOffset ?? '?'}`;
  const otherHeaders = Object.fromEntries(Object.entries(m.headers ?? {}).filter(([k]) => !isDlqHeader(k)));
  const lines: Array<[string, string]> = [
    ['source', where],
    ['group', f.group ?? '-'],
    ['attempts', f.attempts === null ? '-' : String(f.attempts)],
    ['error', f.error ?? '-'],
    ['failed at', f.time === null ? '-' : isoTime(f.time)],
    ['key', textOf(m.key, '(null)')],
    ['value', textOf(m.value, '(null)')],
  ];
  if (Object.keys(otherHeaders).length > 0) lines.push(['headers', headersText(otherHeaders)]);
  if (f.requeuedFrom !== null) lines.push(['requeued from', f.requeuedFrom]);
  const width = Math.max(...lines.map(([k]) => k.length));
  return `${topic} partition ${partition} offset ${m.offset}\n${lines
    .map(([k, v]) => `  ${k}:${' '.repeat(width - k.length + 1)}${v}`)
    .join('\n')}\n\n`;
}
