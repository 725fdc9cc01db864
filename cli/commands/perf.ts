// `sluice perf produce|consume`: load generators in the manner of Kafka's perf-test tools. Progress lines
// go to stderr every couple of seconds; the final figures go to stdout (text or one JSON object).
import { setTimeout as sleep } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';
import { Option, type Command } from 'commander';
import { action, choiceOption, subcommand, withBrokers, withFormat, type Context } from '../lib/command.js';
import { CliError } from '../lib/errors.js';
import {
  COMPRESSIONS,
  COMPRESSION_CODES,
  parseAcks,
  parseCompression,
  parseInteger,
  parseSize,
  type Acks,
  type CompressionName,
} from '../lib/options.js';
import { formatCount, jsonLine } from '../lib/output.js';
import {
  connectAdmin,
  createClient,
  offsetsOf,
  onCrash,
  requireTopic,
  type EachBatchPayload,
  type SendMessage,
} from '../lib/sdk.js';
import { LatencyStats } from '../lib/stats.js';
import { durationMs, formatDuration } from '../lib/time.js';

interface PerfProduceOptions {
  records: number;
  recordSize: number;
  acks: Acks;
  throughput: number;
  compression: CompressionName;
  batchRecords?: number;
  maxInFlight: number;
  reportInterval: number;
  format: 'text' | 'json';
}

interface PerfConsumeOptions {
  records: number;
  timeout: number;
  reportInterval: number;
  format: 'text' | 'json';
}

const intervalOption = () =>
  new Option('--report-interval <duration>', 'how often to print progress (e.g. 2s)')
    .default(2000, '2s')
    .argParser((raw: string) => {
      const ms = durationMs(raw);
      if (ms === undefined || ms <= 0) throw new CliError(`'${raw}' is not a duration like 2s or 500ms`);
      return ms;
    });

export function register(program: Command): void {
  const perf = subcommand(program, 'perf', 'measure produce and consume throughput and latency');

  const produce = subcommand(
    perf,
    'produce',
    'send generated records as fast as allowed and report throughput and latency',
  )
    .argument('<topic>', 'topic to write to (created on first use if the broker allows it)')
    .requiredOption('--records <n>', 'how many records to send', parseInteger('records', 1))
    .requiredOption('--record-size <bytes>', 'value size of each record (e.g. 100, 1k)', parseSize('record-size', 0))
    .addOption(
      choiceOption('--acks <acks>', 'acknowledgement: 0, 1, -1/all', ['0', '1', '-1', 'all'], parseAcks).default(1),
    )
    .addOption(
      new Option('--throughput <records/s>', 'cap the send rate (-1: no cap)')
        .argParser(parseInteger('throughput', -1))
        .default(-1),
    )
    .addOption(
      choiceOption('-z, --compression <codec>', 'compression codec', COMPRESSIONS, parseCompression).default('none'),
    )
    .addOption(
      new Option('--batch-records <n>', 'records per send call (default: sized from the rate)').argParser(
        parseInteger('batch-records', 1, 100_000),
      ),
    )
    .addOption(
      new Option('--max-in-flight <n>', 'send calls in flight')
        .argParser(parseInteger('max-in-flight', 1, 64))
        .default(8),
    )
    .addOption(intervalOption());
  withFormat(withBrokers(produce)).action(action(perfProduce));

  const consume = subcommand(perf, 'consume', 'read records from the beginning and report throughput and latency')
    .argument('<topic>', 'topic to read')
    .requiredOption('--records <n>', 'how many records to read', parseInteger('records', 1))
    .addOption(
      new Option('--timeout <duration>', 'give up after this long without a record')
        .default(10_000, '10s')
        .argParser((raw: string) => durationMs(raw) ?? parseInteger('timeout', 1)(raw)),
    )
    .addOption(intervalOption());
  withFormat(withBrokers(consume)).action(action(perfConsume));
}

const mb = (bytes: number, ms: number) => (ms > 0 ? bytes / 1024 / 1024 / (ms / 1000) : 0);
const rate = (n: number, ms: number) => (ms > 0 ? (n * 1000) / ms : 0);
const fixed = (n: number, d = 2) => n.toFixed(d);

interface Figures {
  records: number;
  bytes: number;
  elapsedMs: number;
  latency: LatencyStats;
}

function summary(kind: string, f: Figures, latencyLabel: string) {
  const [p50, p95, p99] = f.latency.percentiles([50, 95, 99]);
  return {
    kind,
    records: f.records,
    bytes: f.bytes,
    elapsedMs: f.elapsedMs,
    recordsPerSec: Math.round(rate(f.records, f.elapsedMs)),
    mbPerSec: Number(fixed(mb(f.bytes, f.elapsedMs))),
    latency: latencyLabel,
    latencyAvgMs: Number(fixed(f.latency.avg)),
    latencyP50Ms: Number(fixed(p50!)),
    latencyP95Ms: Number(fixed(p95!)),
    latencyP99Ms: Number(fixed(p99!)),
    latencyMaxMs: Number(fixed(f.latency.max)),
  };
}

function printSummary(ctx: Context, format: 'text' | 'json', s: ReturnType<typeof summary>): void {
  if (format === 'json') return void ctx.stdout.write(jsonLine(s));
  const c = ctx.color;
  ctx.stdout.write(
    `${c.bold(`${formatCount(s.records)} records`)} ${s.kind} in ${fixed(s.elapsedMs / 1000)}s: ` +
      `${c.bold(`${formatCount(s.recordsPerSec)} records/s`)} (${fixed(s.mbPerSec)} MiB/s)\n` +
      `${s.latency}, ms: avg ${fixed(s.latencyAvgMs)}, p50 ${fixed(s.latencyP50Ms)}, p95 ${fixed(s.latencyP95Ms)}, ` +
      `p99 ${fixed(s.latencyP99Ms)}, max ${fixed(s.latencyMaxMs)}\n`,
  );
}

/** Progress over the last interval, Kafka's wording; `measure` names what the times are ('latency', 'age'). */
function progressLine(
  kind: string,
  records: number,
  bytes: number,
  ms: number,
  latency: LatencyStats,
  measure = 'latency',
): string {
  return (
    `${formatCount(records)} records ${kind}, ${fixed(rate(records, ms), 1)} records/s (${fixed(mb(bytes, ms))} MiB/s), ` +
    `${fixed(latency.avg, 1)} ms avg ${measure}, ${fixed(latency.max, 1)} ms max ${measure}`
  );
}

async function perfProduce(ctx: Context, topic: string, opts: PerfProduceOptions): Promise<void> {
  const client = createClient(ctx, { retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 2000 } });
  const producer = client.producer({ maxInFlightRequests: opts.maxInFlight * 2 });
  ctx.onCleanup(() => producer.disconnect());
  await producer.connect();
  // Kafka's tool sends random printable payloads; one shared buffer keeps the generator out of the measurement.
  const payload = Buffer.from(randomBytes(opts.recordSize).map((b) => 65 + (b % 26)));
  const throttled = opts.throughput > 0;
  const chunk =
    opts.batchRecords ?? (throttled ? Math.max(1, Math.min(1000, Math.floor(opts.throughput / 200))) : 1000);
  const all = new LatencyStats();
  let window = { start: Date.now(), records: 0, bytes: 0, latency: new LatencyStats() };
  const started = Date.now();
  let sent = 0;
  let acked = 0;
  let failure: unknown;
  const inFlight = new Set<Promise<void>>();
  const report = setInterval(() => {
    const now = Date.now();
    ctx.info(progressLine('sent', window.records, window.bytes, now - window.start, window.latency));
    window = { start: now, records: 0, bytes: 0, latency: new LatencyStats() };
  }, opts.reportInterval);
  ctx.onCleanup(() => clearInterval(report));
  while (sent < opts.records && failure === undefined) {
    const n = Math.min(chunk, opts.records - sent);
    if (throttled) {
      const due = started + ((sent + n) * 1000) / opts.throughput;
      if (due > Date.now()) await sleep(due - Date.now());
    }
    const messages: SendMessage[] = new Array(n);
    for (let i = 0; i < n; i++) messages[i] = { value: payload };
    sent += n;
    const t0 = performance.now();
    const p: Promise<void> = producer
      .send({ topic, messages, acks: opts.acks, compression: COMPRESSION_CODES[opts.compression] })
      .then(
        () => {
          const latency = performance.now() - t0;
          acked += n;
          all.add(latency, n);
          window.latency.add(latency, n);
          window.records += n;
          window.bytes += n * opts.recordSize;
        },
        (err: unknown) => {
          failure ??= err;
        },
      )
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
    while (inFlight.size >= opts.maxInFlight) await Promise.race(inFlight);
  }
  while (inFlight.size > 0) await Promise.race(inFlight);
  clearInterval(report);
  const elapsedMs = Date.now() - started;
  if (failure !== undefined)
    throw new CliError(
      `${formatCount(opts.records - acked)} of ${formatCount(opts.records)} records were not acknowledged: ${(failure as Error).message}`,
      { cause: failure },
    );
  printSummary(
    ctx,
    opts.format,
    summary(
      'sent',
      { records: acked, bytes: acked * opts.recordSize, elapsedMs, latency: all },
      opts.acks === 0 ? 'send latency (acks=0: not confirmed)' : 'produce latency',
    ),
  );
}

async function perfConsume(ctx: Context, topic: string, opts: PerfConsumeOptions): Promise<void> {
  const admin = await connectAdmin(ctx);
  await requireTopic(admin, topic);
  const partitions = (await offsetsOf(admin, topic)).map((o) => o.partition);
  const client = createClient(ctx, { retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 2000 } });
  const consumer = client.consumer({ maxBytesPerPartition: 8 * 1024 * 1024, maxWaitTimeInMs: 500 });
  ctx.onCleanup(() => consumer.disconnect());
  await consumer.connect();
  const all = new LatencyStats();
  let window = { start: Date.now(), records: 0, bytes: 0, latency: new LatencyStats() };
  let records = 0;
  let bytes = 0;
  let lastData = Date.now();
  let started = 0;
  let oldest = Number.POSITIVE_INFINITY;
  let outcome: { error?: unknown } | undefined;
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const end = (o: { error?: unknown }) => {
    outcome ??= o;
    finish();
  };
  onCrash(consumer, (error) => end({ error }));
  consumer.assign!([{ topic, partitions }]);
  for (const partition of partitions) consumer.seek({ topic, partition, offset: '-2' });
  const report = setInterval(
    () => {
      const now = Date.now();
      if (now - window.start >= opts.reportInterval) {
        if (window.records > 0)
          ctx.info(progressLine('received', window.records, window.bytes, now - window.start, window.latency, 'age'));
        window = { start: now, records: 0, bytes: 0, latency: new LatencyStats() };
      }
      if (now - lastData > opts.timeout)
        end({
          error: new CliError(
            `only ${formatCount(records)} of ${formatCount(opts.records)} records arrived before ${fixed(opts.timeout / 1000, 1)}s passed without one`,
          ),
        });
    },
    Math.min(opts.reportInterval, 500),
  );
  ctx.onCleanup(() => clearInterval(report));
  started = Date.now();
  await consumer.run({
    eachBatch: async ({ batch }: EachBatchPayload) => {
      if (outcome) return;
      const now = Date.now();
      lastData = now;
      let n = 0;
      let b = 0;
      for (const m of batch.messages) {
        if (records + n >= opts.records) break;
        const timestamp = Number(m.timestamp);
        if (timestamp < oldest) oldest = timestamp;
        const latency = Math.max(0, now - timestamp);
        all.add(latency);
        window.latency.add(latency);
        b += (m.value?.length ?? 0) + (m.key?.length ?? 0);
        n++;
      }
      records += n;
      bytes += b;
      window.records += n;
      window.bytes += b;
      if (records >= opts.records) end({});
    },
  });
  await done;
  const elapsedMs = Date.now() - started;
  clearInterval(report);
  await consumer.stop();
  if (outcome?.error) throw outcome.error;
  // A record's age at receipt is end-to-end latency only for records produced while this runs.
  if (oldest < started - 1000) {
    ctx.info(
      `note: records written before this run began (the oldest ${formatDuration(started - oldest)} earlier) were read, so their age is not end-to-end latency; run \`sluice perf produce\` at the same time to measure that`,
    );
  }
  printSummary(
    ctx,
    opts.format,
    summary(
      'received',
      { records, bytes, elapsedMs, latency: all },
      'record age at receipt (receipt time − record timestamp)',
    ),
  );
}
