// `sluice produce <topic>`: one record per input line. Lines are grouped into large sends and several
// sends stay in flight, so throughput is bounded by the broker, not by round trips; the SDK keeps
// the order of send() calls per partition, so in-flight sends cannot reorder lines.
import { open, type FileHandle } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { action, choiceOption, subcommand, withBrokers, type Context } from '../lib/command.js';
import { CliError, causeChain, describeError } from '../lib/errors.js';
import { LineSplitter } from '../lib/lines.js';
import {
  COMPRESSIONS,
  COMPRESSION_CODES,
  collectKeyValue,
  parseAcks,
  parseCompression,
  parseInteger,
  type Acks,
  type CompressionName,
} from '../lib/options.js';
import { formatBytes, formatCount } from '../lib/output.js';
import { formatDuration } from '../lib/time.js';
import { connectAdmin, createClient, partitionsOf, type ProducerClient, type SendMessage } from '../lib/sdk.js';

interface ProduceOptions {
  file?: string;
  keySeparator?: string;
  header?: Array<[string, string]>;
  partition?: number;
  acks: Acks;
  compression: CompressionName;
  batchRecords: number;
  batchBytes: number;
  maxInFlight: number;
  skipEmpty?: boolean;
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
    .option('--skip-empty', 'skip empty lines instead of sending empty values')
    .addOption(
      new Option('--batch-records <n>', 'records per send call')
        .argParser(parseInteger('batch-records', 1, 1_000_000))
        .default(10_000),
    )
    .addOption(
      new Option('--batch-bytes <n>', 'bytes per send call, at most')
        .argParser(parseInteger('batch-bytes', 1024))
        .default(4 * 1024 * 1024),
    )
    .addOption(
      new Option('--max-in-flight <n>', 'send calls awaiting acknowledgement at once')
        .argParser(parseInteger('max-in-flight', 1, 64))
        .default(4),
    )
    .addHelpText(
      'after',
      `\nExamples:\n  seq 1000 | sluice produce numbers\n  printf 'user-1:clicked\\n' | sluice produce events -K : -H source=cli`,
    );
  withBrokers(cmd).action(action(produce));
}

class Sender {
  sent = 0;
  acked = 0;
  failed = 0;
  bytes = 0;
  firstError: unknown;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly producer: ProducerClient,
    private readonly topic: string,
    private readonly opts: ProduceOptions,
  ) {}

  get healthy(): boolean {
    return this.firstError === undefined;
  }

  /** Starts one send; resolves once there is room for another. */
  async dispatch(messages: SendMessage[], bytes: number): Promise<void> {
    this.sent += messages.length;
    this.bytes += bytes;
    const p: Promise<void> = this.producer
      .send({
        topic: this.topic,
        messages,
        acks: this.opts.acks,
        compression: COMPRESSION_CODES[this.opts.compression],
      })
      .then(
        () => {
          this.acked += messages.length;
        },
        (err: unknown) => {
          this.failed += messages.length;
          this.firstError ??= err;
        },
      )
      .finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
    while (this.inFlight.size >= this.opts.maxInFlight) await Promise.race(this.inFlight);
  }

  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.race(this.inFlight);
  }
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

/** Whether the topic exists now; with --partition, that the partition does. */
async function checkTopic(ctx: Context, topic: string, partition: number | undefined): Promise<boolean> {
  const admin = await connectAdmin(ctx);
  if (!(await admin.listTopics()).includes(topic)) return false; // the broker's auto-creation decides
  if (partition === undefined) return true;
  const partitions = await partitionsOf(admin, topic);
  if (!partitions.includes(partition)) {
    throw new CliError(
      `partition ${partition} does not exist: topic '${topic}' has ${partitions.length} partition${partitions.length === 1 ? '' : 's'} (0..${partitions.length - 1})`,
    );
  }
  return true;
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

async function produce(ctx: Context, topic: string, opts: ProduceOptions): Promise<void> {
  const input = opts.file ? await openInput(opts.file) : process.stdin;
  const existed = await checkTopic(ctx, topic, opts.partition);
  if (!opts.file && process.stdin.isTTY) ctx.info(`type one record per line, Ctrl-D to finish`);
  const client = createClient(ctx);
  const producer = client.producer({
    retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 2000 },
    maxInFlightRequests: opts.maxInFlight * 2,
  });
  ctx.onCleanup(() => producer.disconnect());
  await producer.connect();

  const started = Date.now();
  const sender = new Sender(producer, topic, opts);
  const headers = headersOf(opts.header ?? []);
  const separator = opts.keySeparator !== undefined ? Buffer.from(opts.keySeparator) : undefined;
  if (separator && separator.length === 0) throw new CliError('--key-separator must not be empty');
  let missingKey = 0;
  let batch: SendMessage[] = [];
  let batchBytes = 0;

  const add = (line: Buffer) => {
    if (line.length === 0 && opts.skipEmpty) return;
    let key: Buffer | null = null;
    let value = line;
    if (separator) {
      const at = line.indexOf(separator);
      if (at === -1) missingKey++;
      else {
        key = line.subarray(0, at);
        value = line.subarray(at + separator.length);
      }
    }
    const message: SendMessage = { key, value };
    if (headers) message.headers = headers;
    if (opts.partition !== undefined) message.partition = opts.partition;
    batch.push(message);
    batchBytes += line.length;
  };
  const flush = async () => {
    if (batch.length === 0) return;
    const messages = batch;
    const bytes = batchBytes;
    batch = [];
    batchBytes = 0;
    await sender.dispatch(messages, bytes);
  };

  const splitter = new LineSplitter();
  const lines: Buffer[] = [];
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      lines.length = 0;
      for (const line of splitter.push(chunk, lines)) {
        add(line);
        if (batch.length >= opts.batchRecords || batchBytes >= opts.batchBytes) await flush();
      }
      if (!sender.healthy) break;
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new CliError(`no such file: ${opts.file}`);
    throw err;
  }
  if (sender.healthy) {
    const last = splitter.end();
    if (last) add(last);
    await flush();
  }
  await sender.drain();
  if (!opts.file) process.stdin.destroy();

  const took = Date.now() - started;
  if (missingKey > 0)
    ctx.warn(
      `${formatCount(missingKey)} line${missingKey === 1 ? '' : 's'} had no '${opts.keySeparator}' and were sent with a null key`,
    );
  const rate = took > 0 ? Math.round((sender.acked * 1000) / took) : sender.acked;
  const verb = opts.acks === 0 ? 'sent (acks=0, unconfirmed)' : 'produced';
  if (sender.healthy) {
    ctx.info(
      `${verb} ${formatCount(sender.acked)} record${sender.acked === 1 ? '' : 's'} (${formatBytes(sender.bytes)}) to '${topic}' in ${formatDuration(took)} (${formatCount(rate)} records/s)`,
    );
    return;
  }
  ctx.info(
    `${verb} ${formatCount(sender.acked)} record${sender.acked === 1 ? '' : 's'} to '${topic}' in ${formatDuration(took)}`,
  );
  if (!existed && causeChain(sender.firstError).some((e) => e.type === 'UNKNOWN_TOPIC_OR_PARTITION')) {
    throw new CliError(
      `unknown topic '${topic}': this broker does not create topics on first use (create it with \`sluice topics create ${topic}\`)`,
      { cause: sender.firstError },
    );
  }
  throw new CliError(
    `${formatCount(sender.failed)} record${sender.failed === 1 ? ' was' : 's were'} not acknowledged (input stopped after ${formatCount(sender.sent)} lines): ${describeError(sender.firstError, { brokers: ctx.brokers })}`,
    { cause: sender.firstError },
  );
}
