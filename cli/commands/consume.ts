// `sluice consume <topic>`: prints records as text, JSON lines or raw bytes. Without a group it reads
// exactly the partitions and offsets asked for (and, with -e/--until, stops at a bound fixed when it
// starts); with --group it joins the group and commits what it printed, also on Ctrl-C. A closed stdout
// (`… | head -2`) stops it as Ctrl-C does, leaving the group at once, and it exits 0 without a word.
import { Option, type Command } from 'commander';
import { action, choiceOption, flushed, interrupted, subcommand, withBrokers, type Context } from '../lib/command.js';
import { UsageError } from '../lib/errors.js';
import { parseChoice, parseInteger } from '../lib/options.js';
import { formatCount, jsonLine } from '../lib/output.js';
import { boundsOf, offsetsAtTime, type PartitionRange } from '../lib/ranges.js';
import { headerPairs, recordToJson } from '../lib/records.js';
import {
  connectAdmin,
  createClient,
  onCrash,
  requireTopic,
  type AdminClient,
  type ConsumerClient,
  type EachBatchPayload,
  type KafkaMessage,
} from '../lib/sdk.js';
import { TIME_HELP, timeOption } from '../lib/time.js';
import { consumeShare } from './consume-share.js';

const FORMATS = ['text', 'json', 'raw'] as const;
type Format = (typeof FORMATS)[number];
const ISOLATIONS = ['read_uncommitted', 'read_committed'] as const;
type Isolation = (typeof ISOLATIONS)[number];

interface ConsumeOptions {
  fromBeginning?: boolean;
  offset?: number;
  since?: number;
  until?: number;
  partition?: number;
  group?: string;
  shareGroup?: string;
  maxInFlight?: number;
  maxMessages?: number;
  exitAtEnd?: boolean;
  format: Format;
  isolation: Isolation;
  printKey?: boolean;
  printHeaders?: boolean;
  keySeparator: string;
  nullLiteral: string;
}

export function register(program: Command): void {
  const cmd = subcommand(
    program,
    'consume',
    'print records of a topic (new ones by default; see --from-beginning, --offset, --since)',
  )
    .argument('<topic>', 'topic to read')
    .option('--from-beginning', 'start at the earliest record')
    .option(
      '-o, --offset <n>',
      'start at this offset (negative: that many records before the end)',
      parseInteger('offset'),
    )
    .option('--since <time>', `start at the first record at or after ${TIME_HELP}`, timeOption)
    .option('--until <time>', 'stop before the first record at or after this time (same forms as --since)', timeOption)
    .option('-p, --partition <n>', 'read only this partition', parseInteger('partition', 0))
    .option('-g, --group <group>', 'join this consumer group: share partitions with its members and commit offsets')
    .option(
      '--share-group <group>',
      'join this share group (a queue): records are shared one by one among its members, each acknowledged once printed',
    )
    .option(
      '--max-in-flight <n>',
      'with --share-group: records held unacknowledged at once (default 1)',
      parseInteger('max-in-flight', 1, 10_000),
    )
    .option('-n, --max-messages <n>', 'stop after this many records', parseInteger('max-messages', 1))
    .option('-e, --exit-at-end', 'stop when caught up with the end of the log (as it was at start)')
    .addOption(
      choiceOption(
        '--format <format>',
        'text: value per line; json: one object per record; raw: value bytes only',
        FORMATS,
        parseChoice('format', FORMATS),
      ).default('text'),
    )
    .addOption(
      choiceOption(
        '--isolation <level>',
        "read_uncommitted: every record as soon as it is stored (the default, as Kafka's console consumer); read_committed: only records of committed transactions, up to the last stable offset",
        ISOLATIONS,
        parseChoice('isolation', ISOLATIONS),
      ).default('read_uncommitted'),
    )
    .option('--print-key', 'text format: print the key before the value')
    .option('--print-headers', 'text format: print headers (k=v,…) before the value')
    .addOption(new Option('--key-separator <sep>', 'text format: between key/headers and value').default('\t', 'tab'))
    .addOption(
      new Option('--null-literal <text>', 'text format: how a null key or value is printed').default('', 'nothing'),
    )
    .addHelpText(
      'after',
      `\nExamples:\n  sluice consume orders --from-beginning -e\n  sluice consume orders --since 15m --format json\n  sluice consume orders --group billing\n  sluice consume jobs --share-group workers --max-in-flight 10`,
    );
  withBrokers(cmd).action(action(consume));
}

function validate(opts: ConsumeOptions): void {
  const starts = [
    opts.fromBeginning && '--from-beginning',
    opts.offset !== undefined && '--offset',
    opts.since !== undefined && '--since',
  ].filter(Boolean);
  if (starts.length > 1) throw new UsageError(`${starts.join(' and ')} both say where to start: give one`);
  if (opts.shareGroup !== undefined) {
    const refused = [
      opts.group !== undefined && '--group',
      opts.offset !== undefined && '--offset',
      opts.since !== undefined && '--since',
      opts.until !== undefined && '--until',
      opts.partition !== undefined && '--partition',
      opts.exitAtEnd && '--exit-at-end',
    ].filter(Boolean);
    if (refused.length > 0)
      throw new UsageError(
        `${refused.join(', ')} cannot be used with --share-group: the share group hands out records (use -n to stop after some)`,
      );
  } else if (opts.maxInFlight !== undefined) throw new UsageError('--max-in-flight needs --share-group');
  if (opts.shareGroup !== undefined && opts.isolation === 'read_committed')
    throw new UsageError('--isolation read_committed cannot be used with --share-group');
  if (opts.group && opts.offset !== undefined)
    throw new UsageError('--offset cannot be used with --group (use `sluice groups reset-offsets` to move a group)');
  if (opts.group && opts.partition !== undefined)
    throw new UsageError('--partition cannot be used with --group: the group assigns partitions');
  if (opts.group && opts.since !== undefined)
    throw new UsageError('--since cannot be used with --group (use `sluice groups reset-offsets --to-datetime`)');
  if (opts.since !== undefined && opts.until !== undefined && opts.until <= opts.since)
    throw new UsageError('--until must be later than --since');
}

/** Start and end offsets of every partition to read. */
async function plan(admin: AdminClient, topic: string, opts: ConsumeOptions): Promise<PartitionRange[]> {
  // Read committed, a log's end is its last stable offset: `-e` must not wait for a transaction still open.
  const bounds = await boundsOf(admin, topic, opts.partition, opts.isolation);
  const since = opts.since !== undefined ? await offsetsAtTime(admin, topic, opts.since) : undefined;
  const until = opts.until !== undefined ? await offsetsAtTime(admin, topic, opts.until) : undefined;
  return bounds.map(({ partition, low, high }) => {
    let start = high;
    if (opts.fromBeginning) start = low;
    else if (opts.offset !== undefined)
      start = opts.offset < 0 ? Math.max(low, high + opts.offset) : Math.min(Math.max(opts.offset, low), high);
    else if (since) start = since.get(partition) ?? high;
    let end = Infinity;
    if (opts.exitAtEnd) end = high;
    // --until in the past is a fixed bound; in the future the log is followed and records filtered by time.
    if (until && opts.until! <= Date.now()) end = Math.min(end, until.get(partition) ?? high);
    return { partition, start, end, low, high };
  });
}

/** --offset past a partition's end (or before its start) is moved there; say so rather than wait silently. */
function sayWhereOffsetLands(ctx: Context, opts: ConsumeOptions, ranges: PartitionRange[]): void {
  const offset = opts.offset!;
  const past = ranges.filter((r) => offset > r.high);
  const before = ranges.filter((r) => offset < r.low);
  const list = (rs: PartitionRange[], bound: 'high' | 'low') =>
    rs.map((r) => `${r.partition} (${bound === 'high' ? 'ends at' : 'starts at'} ${formatCount(r[bound])})`).join(', ');
  if (past.length > 0) {
    const which = past.length === 1 ? `partition ${list(past, 'high')}` : `partitions ${list(past, 'high')}`;
    ctx.info(
      `--offset ${formatCount(offset)} is beyond the end of ${which}: ${
        opts.exitAtEnd ? 'nothing to read there' : 'waiting there for new records'
      }`,
    );
  }
  if (before.length > 0) {
    const which = before.length === 1 ? `partition ${list(before, 'low')}` : `partitions ${list(before, 'low')}`;
    ctx.info(`--offset ${formatCount(offset)} is before the first record of ${which}: starting at the first record`);
  }
}

class Printer {
  count = 0;
  constructor(
    private readonly ctx: Context,
    private readonly topic: string,
    private readonly opts: ConsumeOptions,
  ) {}

  /** Renders messages into one write; resolves when stdout can take more (backpressure). */
  print(partition: number, messages: KafkaMessage[]): Promise<void> | undefined {
    const out: Array<Buffer | string> = [];
    const sep = this.opts.keySeparator;
    for (const m of messages) {
      if (this.opts.format === 'json') {
        out.push(
          jsonLine(
            recordToJson({
              topic: this.topic,
              partition,
              offset: m.offset,
              timestamp: m.timestamp,
              key: m.key,
              value: m.value,
              headers: m.headers,
            }),
          ),
        );
        continue;
      }
      if (this.opts.format === 'raw') {
        if (m.value) out.push(m.value);
        continue;
      }
      if (this.opts.printHeaders) {
        out.push(
          headerPairs(m.headers)
            .map(([k, v]) => `${k}=${v === null ? '' : v.toString()}`)
            .join(','),
          sep,
        );
      }
      if (this.opts.printKey) out.push(m.key ?? this.opts.nullLiteral, sep);
      out.push(m.value ?? this.opts.nullLiteral, '\n');
    }
    this.count += messages.length;
    if (out.length === 0) return undefined;
    const ok = this.ctx.stdout.write(Buffer.concat(out.map((x) => (typeof x === 'string' ? Buffer.from(x) : x))));
    return ok ? undefined : flushed(this.ctx.stdout);
  }
}

async function consume(ctx: Context, topic: string, opts: ConsumeOptions): Promise<void> {
  validate(opts);
  // From the start: a Ctrl-C while connecting or joining stops cleanly too.
  const stop = interrupted();
  const admin = await connectAdmin(ctx);
  await requireTopic(admin, topic);
  if (opts.shareGroup !== undefined)
    return consumeShare(ctx, topic, { ...opts, shareGroup: opts.shareGroup }, new Printer(ctx, topic, opts), stop);
  const ranges = opts.group ? [] : await plan(admin, topic, opts);
  if (opts.offset !== undefined && opts.offset >= 0) sayWhereOffsetLands(ctx, opts, ranges);
  const client = createClient(ctx, { retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 2000 } });
  const consumer = client.consumer({
    ...(opts.group ? { groupId: opts.group } : {}),
    maxWaitTimeInMs: opts.group && opts.exitAtEnd ? 500 : 2000,
    maxBytesPerPartition: 4 * 1024 * 1024,
    readUncommitted: opts.isolation !== 'read_committed',
  });
  ctx.onCleanup(() => consumer.disconnect());
  const printer = new Printer(ctx, topic, opts);
  let crashed: (err: unknown) => void = () => {};
  const crash = new Promise<void>((_, reject) => (crashed = reject));
  onCrash(consumer, (err) => crashed(err));
  const { done } = opts.group
    ? await runGroup(ctx, consumer, topic, opts, printer)
    : await runAssigned(consumer, topic, ranges, opts, printer);
  const why = await Promise.race([done, crash, stop]);
  await consumer.stop();
  if (why === 'closed-stdout') return;
  ctx.info(
    `consumed ${formatCount(printer.count)} record${printer.count === 1 ? '' : 's'}${opts.group ? ` (group '${opts.group}', offsets committed)` : ''}`,
  );
}

interface Finish {
  promise: Promise<void>;
  resolve(): void;
  reject(err: unknown): void;
}

function finisher(): Finish {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

async function runAssigned(
  consumer: ConsumerClient,
  topic: string,
  ranges: PartitionRange[],
  opts: ConsumeOptions,
  printer: Printer,
): Promise<{ done: Promise<void> }> {
  const finish = finisher();
  const live = new Map(ranges.filter((r) => r.start < r.end).map((r) => [r.partition, r]));
  const max = opts.maxMessages ?? Infinity;
  if (live.size === 0) return { done: Promise.resolve() };
  if (!consumer.assign) throw new Error('this SDK cannot assign partitions');
  await consumer.connect();
  consumer.assign([{ topic, partitions: [...live.keys()] }]);
  for (const r of live.values()) consumer.seek({ topic, partition: r.partition, offset: String(r.start) });
  const until = opts.until;
  // A --until still in the future ends the command when that time comes, records or not.
  if (until !== undefined && until > Date.now()) setTimeout(() => finish.resolve(), until - Date.now()).unref();
  /** The partition's range is read: no more of it is fetched, and the command ends with the last one. */
  const reached = (partition: number, pause = () => consumer.pause([{ topic, partitions: [partition] }])) => {
    live.delete(partition);
    pause();
    if (live.size === 0) finish.resolve();
  };
  await consumer.run({
    eachBatch: async ({ batch, pause }: EachBatchPayload) => {
      const range = live.get(batch.partition);
      if (!range || printer.count >= max) return;
      let messages = batch.messages;
      let reachedEnd = false;
      const endIdx = messages.findIndex(
        (m) => Number(m.offset) >= range.end || (until !== undefined && Number(m.timestamp) >= until),
      );
      if (endIdx !== -1) {
        messages = messages.slice(0, endIdx);
        reachedEnd = true;
      }
      if (messages.length > max - printer.count) messages = messages.slice(0, max - printer.count);
      await printer.print(batch.partition, messages);
      const last = messages.length > 0 ? Number(messages[messages.length - 1]!.offset) : -1;
      if (reachedEnd || last + 1 >= range.end) reached(batch.partition, () => pause?.());
      if (printer.count >= max) finish.resolve();
    },
  });
  // A log that ends in a transaction marker (or in aborted records, read committed) has no record at end - 1
  // to deliver: the consumer's position, which moves past what it skips, tells that the end is reached.
  const watch = setInterval(() => {
    for (const r of live.values()) {
      const position = consumer.position?.({ topic, partition: r.partition });
      if (position != null && Number(position) >= r.end) reached(r.partition);
    }
  }, 100);
  watch.unref();
  const stopWatching = () => clearInterval(watch);
  finish.promise.then(stopWatching, stopWatching);
  return { done: finish.promise };
}

async function runGroup(
  ctx: Context,
  consumer: ConsumerClient,
  topic: string,
  opts: ConsumeOptions,
  printer: Printer,
): Promise<{ done: Promise<void> }> {
  const finish = finisher();
  const max = opts.maxMessages ?? Infinity;
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: opts.fromBeginning === true });
  // With -e in a group the partitions this member owns are not known up front: stop once every
  // partition that delivered is at its high watermark and nothing new arrived for a while.
  // A partition whose log ends in a transaction marker never delivers a record at its high watermark - 1:
  // there the consumer's position (past what it skipped) is compared with the high watermark instead.
  const highWatermarks = new Map<number, number>();
  const caughtUp = (partition: number) => {
    const position = consumer.position?.({ topic, partition });
    return position != null && Number(position) >= highWatermarks.get(partition)!;
  };
  let lastData = Date.now();
  let idle: NodeJS.Timeout | undefined;
  if (opts.exitAtEnd) {
    idle = setInterval(() => {
      if (Date.now() - lastData > 1500 && [...highWatermarks.keys()].every(caughtUp)) finish.resolve();
    }, 250);
    ctx.onCleanup(() => clearInterval(idle));
  }
  await consumer.run({
    autoCommit: true,
    eachBatch: async ({ batch, resolveOffset }: EachBatchPayload) => {
      lastData = Date.now();
      if (printer.count >= max) return;
      const all = batch.messages;
      let messages = opts.until !== undefined ? all.filter((m) => Number(m.timestamp) < opts.until!) : all;
      const cut = messages.length > max - printer.count;
      if (cut) messages = messages.slice(0, max - printer.count);
      await printer.print(batch.partition, messages);
      // A write that failed because the reader went away printed nothing: those records stay uncommitted.
      if (ctx.stdout.destroyed) return;
      // Records left out by --until are consumed too (resolved), so that they are not delivered again.
      const last = (cut ? messages : all).at(-1)?.offset;
      if (last !== undefined) resolveOffset?.(last);
      highWatermarks.set(batch.partition, Number(batch.highWatermark));
      if (printer.count >= max) finish.resolve();
    },
    eachBatchAutoResolve: false,
  });
  return { done: finish.promise };
}
