// `sluice produce <topic>`: one record per input line. Lines are read in linear time and checked before
// anything is sent (a line over --max-line-bytes, or a record over the topic's max.message.bytes, is refused
// with its line number). Records are grouped per partition into sends of one batch each, several partitions
// in flight at once (partition-sender.ts), so every record's outcome is counted exactly; --on-error decides
// whether the rest is sent after a failure. A group that does not fill is sent after a short linger, so lines
// from a pipe that stays open are stored as they come. Ctrl-C or SIGTERM stops reading: the lines already
// read are still sent, acknowledged and counted in the summary. A missing topic is created only once the
// first record is ready, and removed again if it was created here and nothing could be stored.
import { open, type FileHandle } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { createDefaultPartitioner, estimateRecordSize, type HeaderPairs } from '../../src/records/index.js';
import { action, choiceOption, interrupted, subcommand, withBrokers, type Context } from '../lib/command.js';
import { CliError, describeError, EXIT_INTERRUPTED, UsageError } from '../lib/errors.js';
import { type Line, LineReader } from '../lib/lines.js';
import {
  COMPRESSIONS,
  COMPRESSION_CODES,
  collectKeyValue,
  parseAcks,
  parseChoice,
  parseCompression,
  parseInteger,
  type Acks,
  type CompressionName,
} from '../lib/options.js';
import { formatBytes, formatCount } from '../lib/output.js';
import { PartitionSender } from '../lib/partition-sender.js';
import {
  createPlannedTopic,
  planTopic,
  recordFits,
  removeIfEmpty,
  sendBudget,
  type TopicPlan,
} from '../lib/produce-topic.js';
import { formatDuration, parseDuration } from '../lib/time.js';
import { MAX_DELIVERY_DELAY_MS } from '../../src/client/index.js';
import { DELIVER_AT_HEADER, MAX_PRIORITY, MIN_PRIORITY, PRIORITY_HEADER } from '../../src/records/queue-headers.js';
import { connectAdmin, createClient, type SendMessage } from '../lib/sdk.js';
import { BATCH_HEADER_SIZE } from '../../storage/format/record-batch.js';

const ON_ERROR = ['stop', 'skip'] as const;

interface ProduceOptions {
  file?: string;
  keySeparator?: string;
  header?: Array<[string, string]>;
  partition?: number;
  acks: Acks;
  compression: CompressionName;
  batchRecords: number;
  maxInFlight: number;
  skipEmpty?: boolean;
  maxLineBytes?: number;
  onError: (typeof ON_ERROR)[number];
  createTopic?: boolean;
  delay?: number;
  priority?: number;
}

export function register(program: Command): void {
  const cmd = subcommand(program, 'produce', 'send one record per line of stdin (or --file) to a topic')
    .argument('<topic>', 'topic to write to (created on first use if the broker allows it)')
    .option('-f, --file <path>', 'read lines from this file instead of stdin')
    .option('-K, --key-separator <sep>', 'split each line at the first <sep>: key before it, value after it')
    .option('-H, --header <key=value>', 'header added to every record (repeatable)', collectKeyValue('header'))
    .option(
      '-p, --partition <n>',
      'send every record to this partition (default: by key, else spread)',
      parseInteger('partition', 0),
    )
    .addOption(
      choiceOption(
        '--acks <acks>',
        'acknowledgement: 0 none, 1 leader, -1/all after the flush policy',
        ['0', '1', '-1', 'all'],
        parseAcks,
      ).default(-1, 'all'),
    )
    .addOption(
      choiceOption('-z, --compression <codec>', 'compression codec', COMPRESSIONS, parseCompression).default('none'),
    )
    .option(
      '--delay <duration>',
      'queues: share groups get each record only this long after it is sent (500ms, 10s, 2m; at most 90d)',
      parseDuration('delay', { ms: MAX_DELIVERY_DELAY_MS, text: '90d' }),
    )
    .option(
      '--priority <n>',
      'queues: priority 0-9 of every record (share groups deliver higher first)',
      parseInteger('priority', MIN_PRIORITY, MAX_PRIORITY),
    )
    .option('--skip-empty', 'skip empty lines instead of sending empty values')
    .addOption(
      new Option(
        '--max-line-bytes <n>',
        "refuse lines longer than this (default: the topic's max.message.bytes), naming the line",
      ).argParser(parseInteger('max-line-bytes', 1)),
    )
    .addOption(
      choiceOption(
        '--on-error <what>',
        'after a refused line or a failed send: stop (send nothing more) or skip (send the rest)',
        ON_ERROR,
        parseChoice('on-error', ON_ERROR),
      ).default('stop'),
    )
    .option('--create-topic', 'create the topic if it is missing (and keep it, even if nothing is stored)')
    .addOption(
      new Option('--batch-records <n>', 'records per send call, at most')
        .argParser(parseInteger('batch-records', 1, 1_000_000))
        .default(10_000),
    )
    .addOption(
      new Option('--max-in-flight <n>', 'send calls awaiting acknowledgement at once (one per partition at most)')
        .argParser(parseInteger('max-in-flight', 1, 64))
        .default(4),
    )
    .addHelpText(
      'after',
      `\nExamples:\n  seq 1000 | sluice produce numbers\n  printf 'user-1:clicked\\n' | sluice produce events -K : -H source=cli\n  sluice produce big --file dump.txt --on-error skip\n  echo 'send reminder' | sluice produce jobs --delay 10m --priority 5`,
    );
  withBrokers(cmd).action(action(produce));
}

function headersOf(pairs: Array<[string, string]>): SendMessage['headers'] | undefined {
  if (pairs.length === 0) return undefined;
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of pairs) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

/**
 * Opens --file up front: a stream created lazily would emit its open error (ENOENT, EISDIR, EACCES)
 * before anyone iterates it — an unhandled 'error' event that crashed the CLI with a stack trace.
 */
async function openInput(path: string): Promise<NodeJS.ReadableStream> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CliError(`no such file: ${path}`);
    if (code === 'EACCES') throw new CliError(`permission denied reading ${path}`);
    throw new CliError(`cannot read ${path} (${code ?? (err as Error).message})`);
  }
  if ((await fh.stat()).isDirectory()) {
    await fh.close();
    throw new CliError(`${path} is a directory: give a file with one record per line`);
  }
  return fh.createReadStream({ highWaterMark: 1 << 20 });
}

/** Lines refused before sending: how many, and the first one's number and reason. */
interface Refusals {
  count: number;
  first?: { line: number; reason: string };
}

/** --delay and --priority write headers: a -H of the same name would be a second, conflicting value. */
function checkQueueFlags(opts: ProduceOptions): void {
  const names = new Set((opts.header ?? []).map(([k]) => k));
  if (opts.delay !== undefined && names.has(DELIVER_AT_HEADER))
    throw new UsageError(`--delay writes the ${DELIVER_AT_HEADER} header: do not also give it with -H`);
  if (opts.priority !== undefined && names.has(PRIORITY_HEADER))
    throw new UsageError(`--priority writes the ${PRIORITY_HEADER} header: do not also give it with -H`);
}

/** The headers --delay and --priority add, with the largest values, so record sizes are bounded with them. */
function queueHeaderPairs(opts: ProduceOptions): HeaderPairs {
  const pairs: HeaderPairs = [];
  if (opts.delay !== undefined) pairs.push([DELIVER_AT_HEADER, Buffer.from(String(8.64e15))]);
  if (opts.priority !== undefined) pairs.push([PRIORITY_HEADER, Buffer.from(String(MAX_PRIORITY))]);
  return pairs;
}

async function produce(ctx: Context, topic: string, opts: ProduceOptions): Promise<void> {
  checkQueueFlags(opts);
  const input = opts.file ? await openInput(opts.file) : process.stdin;
  const separator = opts.keySeparator !== undefined ? Buffer.from(opts.keySeparator) : undefined;
  if (separator && separator.length === 0) throw new CliError('--key-separator must not be empty');
  const admin = await connectAdmin(ctx);
  const plan = await planTopic(admin, topic, { createTopic: opts.createTopic === true, partition: opts.partition });
  if (!opts.file && process.stdin.isTTY) ctx.info(`type one record per line, Ctrl-D to finish`);

  // One send = one batch, as large as the topic takes (at most 1 MiB): fewer round trips per partition.
  const groupBytes = sendBudget(plan);
  const client = createClient(ctx);
  const producer = client.producer({
    retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 2000 },
    maxInFlightRequests: opts.maxInFlight,
    batchSize: groupBytes,
  });
  ctx.onCleanup(() => producer.disconnect());
  await producer.connect();

  const started = Date.now();
  const sender = new PartitionSender(producer, {
    topic,
    acks: opts.acks,
    compression: COMPRESSION_CODES[opts.compression],
    maxInFlight: opts.maxInFlight,
    groupBytes,
    groupRecords: opts.batchRecords,
    stopOnError: opts.onError === 'stop',
  });
  const headers = headersOf(opts.header ?? []);
  const headerPairs: HeaderPairs = (opts.header ?? []).map(([k, v]) => [k, Buffer.from(v)]);
  headerPairs.push(...queueHeaderPairs(opts));
  // A record's size bound (estimateRecordSize) without building a record per line: fixed part + key + value.
  const recordBase = estimateRecordSize({ key: null, value: null, headers: headerPairs, timestamp: 0 });
  const maxLineBytes = opts.maxLineBytes ?? plan.maxMessageBytes;
  const refusals: Refusals = { count: 0 };
  let created = false;
  const partitioner = createDefaultPartitioner();
  let partitionMetadata = plan.partitions.map((partitionId) => ({ partitionId, leader: 0 }));
  let missingKey = 0;
  let stoppedAtLine: number | undefined;

  const refuse = (line: number, reason: string): boolean => {
    refusals.count++;
    refusals.first ??= { line, reason };
    if (opts.onError === 'stop') stoppedAtLine = line;
    return opts.onError === 'skip';
  };

  /** Sends one line; false when reading must stop (a promise only when the topic must be created or the sender is full). */
  const add = (line: Line): boolean | Promise<boolean> => {
    if ('tooLong' in line) {
      const limit = opts.maxLineBytes !== undefined ? '--max-line-bytes' : "the topic's max.message.bytes";
      return refuse(
        line.number,
        `is longer than ${formatCount(maxLineBytes)} bytes (${limit}; at least ${formatCount(line.atLeast)} bytes)`,
      );
    }
    if (line.bytes.length === 0 && opts.skipEmpty) return true;
    let key: Buffer | null = null;
    let value = line.bytes;
    if (separator) {
      const at = value.indexOf(separator);
      if (at === -1) missingKey++;
      else {
        key = value.subarray(0, at);
        value = value.subarray(at + separator.length);
      }
    }
    const bytes = recordBase + (key?.length ?? 0) + value.length;
    // Compressed batches may be smaller than their records: only uncompressed records are checked against the topic.
    if (opts.compression === 'none' && !recordFits(plan, bytes)) {
      return refuse(
        line.number,
        `makes a record of up to ${formatCount(bytes + BATCH_HEADER_SIZE)} bytes in its batch, over the topic's max.message.bytes (${formatCount(plan.maxMessageBytes)})`,
      );
    }
    if (plan.partitions.length === 0) return createTopic().then(() => send(line.number, key, value, bytes));
    return send(line.number, key, value, bytes);
  };

  const createTopic = async () => {
    const count = await createPlannedTopic(admin, plan, opts.partition);
    created = true;
    ctx.info(`created topic '${topic}' with ${plural(count, 'partition')}`);
    partitionMetadata = plan.partitions.map((partitionId) => ({ partitionId, leader: 0 }));
  };

  const send = (lineNumber: number, key: Buffer | null, value: Buffer, bytes: number): boolean | Promise<boolean> => {
    const message: SendMessage = { key, value, partition: 0 };
    if (headers) message.headers = headers;
    if (opts.delay !== undefined) message.delayMs = opts.delay;
    if (opts.priority !== undefined) message.priority = opts.priority;
    message.partition =
      opts.partition ??
      (partitionMetadata.length === 1
        ? partitionMetadata[0]!.partitionId
        : partitioner({ topic, partitionMetadata, message: { key } }));
    const full = sender.add(message.partition, message, bytes, (key?.length ?? 0) + value.length, lineNumber);
    return full ? full.then(() => !sender.stopped) : !sender.stopped;
  };

  // Only now: a signal before anything is read ends the command as usual.
  const stop = interrupted();
  const reader = new LineReader(maxLineBytes);
  let wasInterrupted = false;
  try {
    try {
      wasInterrupted = (await readLines(input, reader, add, stop)) === 'interrupted';
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new CliError(`no such file: ${opts.file}`);
      throw err;
    }
    await sender.finish();
  } finally {
    if (!opts.file) process.stdin.destroy();
    else (input as NodeJS.ReadableStream & { destroy(): void }).destroy();
    if (created && sender.acked === 0 && !opts.createTopic) await cleanUp(ctx, admin, plan);
  }

  const took = Date.now() - started;
  if (missingKey > 0)
    ctx.warn(
      `${plural(missingKey, 'line')} had no '${opts.keySeparator}' and ${missingKey === 1 ? 'was' : 'were'} sent with a null key`,
    );
  const verb = opts.acks === 0 ? 'sent (acks=0, unconfirmed)' : 'produced';
  const rate = took > 0 ? Math.round((sender.acked * 1000) / took) : sender.acked;
  ctx.info(
    `${verb} ${plural(sender.acked, 'record')} (${formatBytes(sender.ackedBytes)}) to '${topic}' in ${formatDuration(took)} (${formatCount(rate)} records/s)`,
  );
  if (wasInterrupted) {
    const partial =
      reader.pendingBytes > 0 ? ` (an unfinished line of ${plural(reader.pendingBytes, 'byte')} was not sent)` : '';
    ctx.info(`interrupted: stopped reading after line ${formatCount(reader.lines)}${partial}`);
    process.exitCode = EXIT_INTERRUPTED;
  }
  const problems = summarizeProblems(ctx, opts, sender, refusals, stoppedAtLine);
  if (problems.length > 0) throw new CliError(problems.join('; '), { cause: sender.failures[0]?.error });
}

/**
 * Feeds every line to `add` until the input ends, `add` says to stop (false), or `stop` settles (a signal):
 * then the lines of the chunks read so far are all added, and an unfinished last line is not.
 */
async function readLines(
  input: NodeJS.ReadableStream,
  reader: LineReader,
  add: (line: Line) => boolean | Promise<boolean>,
  stop: Promise<unknown>,
): Promise<'end' | 'stopped' | 'interrupted'> {
  const lines: Line[] = [];
  const chunks = (input as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  const signalled = stop.then(() => null);
  for (;;) {
    const pending = chunks.next();
    // The read left pending at a signal fails once the input is destroyed: nobody waits for it then.
    pending.catch(() => {});
    const next = await Promise.race([pending, signalled]);
    if (next === null) return 'interrupted';
    if (next.done) break;
    lines.length = 0;
    for (const line of reader.push(next.value, lines)) {
      const more = add(line);
      if (more === false || (more !== true && !(await more))) return 'stopped';
    }
  }
  const last = reader.end();
  if (last) await add(last);
  return 'end';
}

async function cleanUp(ctx: Context, admin: Awaited<ReturnType<typeof connectAdmin>>, plan: TopicPlan): Promise<void> {
  try {
    if (await removeIfEmpty(admin, plan.topic))
      ctx.info(`removed topic '${plan.topic}' again: it was created for this produce and nothing was stored in it`);
  } catch (err) {
    ctx.warn(`could not remove the empty topic '${plan.topic}' this produce created: ${describeError(err)}`);
  }
}

const plural = (n: number, what: string) => `${formatCount(n)} ${what}${n === 1 ? '' : 's'}`;

/** One clause per kind of record that was not produced, exact counts, the first cause of each. */
function summarizeProblems(
  ctx: Context,
  opts: ProduceOptions,
  sender: PartitionSender,
  refusals: Refusals,
  stoppedAtLine: number | undefined,
): string[] {
  const out: string[] = [];
  if (refusals.first) {
    const { line, reason } = refusals.first;
    out.push(
      stoppedAtLine !== undefined
        ? `line ${formatCount(line)} ${reason}: it was not sent, nor anything after it (--on-error skip sends the other lines)`
        : `${plural(refusals.count, 'line')} not sent: line ${formatCount(line)} ${reason}${refusals.count > 1 ? ` (and ${formatCount(refusals.count - 1)} more)` : ''}`,
    );
  }
  const failure = sender.failures[0];
  if (failure) {
    const where =
      failure.firstLine === failure.lastLine
        ? `line ${formatCount(failure.firstLine)}`
        : `lines ${formatCount(failure.firstLine)}..${formatCount(failure.lastLine)}`;
    out.push(
      `${plural(sender.failed, 'record')} not acknowledged (first: ${where}: ${describeError(failure.error, { brokers: ctx.brokers })})`,
    );
  }
  if (sender.unsent > 0 || (failure && opts.onError === 'stop')) {
    out.push(
      `${plural(sender.unsent, 'more record')} read but not sent, and reading stopped (--on-error skip keeps sending)`,
    );
  }
  return out;
}
