// The SDK workloads the end-to-end benches share: produce throughput, replay throughput and
// produce→consume latency against a broker process (bench/lib/broker-process.ts).
import { fork } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { join } from 'node:path';
import { REQUEST_CHANNEL } from '../../src/client/network-events.js';
import type { BrokerProcess } from './broker-process.js';
import { monoMs, startTrace, type Trace } from './latency-trace-hooks.js';
import type { LatencyClients } from './latency-interleaved.js';
import { afterWarmup, sendPaced } from './latency-pattern.js';
import { StampLog } from './stamp-log.js';
import { clientExecArgv, stealMeter, type MachineDuring } from './proc.js';
import { sdk } from './sdk.js';
import { afterFirst, summarizeLatencies, type LatencySummary } from './stats.js';

/** The clients' log level: SLUICE_BENCH_LOG_LEVEL (the SDK's levels, e.g. 2 for warnings), else none. */
const LOG_LEVEL = Number(process.env.SLUICE_BENCH_LOG_LEVEL ?? 0);

export function client(broker: BrokerProcess) {
  return new sdk.Sluice({
    clientId: 'bench',
    brokers: [broker.address],
    logLevel: LOG_LEVEL,
    ...(broker.ssl ? { ssl: broker.ssl } : {}),
  });
}

/**
 * The latency benches' client: the SDK bench/lib/sdk.ts chooses (the built one, as an application runs it),
 * or the sources when traced (bench/lib/latency-trace-hooks.ts instruments the sources' classes).
 */
async function latencyClient(broker: BrokerProcess, trace: boolean) {
  const { Sluice } = trace ? await import('../../src/client/index.js') : sdk;
  return new Sluice({
    clientId: 'bench',
    brokers: [broker.address],
    logLevel: LOG_LEVEL,
    ...(broker.ssl ? { ssl: broker.ssl } : {}),
  });
}

export async function createTopic(
  broker: BrokerProcess,
  topic: string,
  numPartitions: number,
  configs: Record<string, string> = {},
): Promise<void> {
  const admin = client(broker).admin();
  await admin.connect();
  const configEntries = Object.entries(configs).map(([name, value]) => ({ name, value }));
  await admin.createTopics({ topics: [{ topic, numPartitions, configEntries }] });
  await admin.disconnect();
}

export interface ProduceOptions {
  acks?: 1 | -1;
  /** Producer instances (each its own connection), sharing the records (default 1). */
  producers?: number;
  /** send() calls outstanding per producer (default 16). */
  inFlight?: number;
  /** Records per send() (default: ~256 KiB worth, at most 1000). */
  perSend?: number;
  /** Spread sends over this many partitions (explicit partition per send, default: let the partitioner choose). */
  partitions?: number;
  /** Producer settings under test (default: the SDK's, i.e. idempotent with 5 requests per partition in flight). */
  producer?: { idempotent?: boolean; maxInFlightRequests?: number };
  /** Called with each producer before it connects (e.g. to attach instrumentation listeners). */
  onProducer?: (producer: ReturnType<ReturnType<typeof client>['producer']>) => void;
}

/** Sends `records` values of `size` bytes; returns records/s (from the first send to the last ack). */
export async function produce(
  broker: BrokerProcess,
  topic: string,
  records: number,
  size: number,
  options: ProduceOptions = {},
): Promise<number> {
  const { acks = 1, producers: count = 1, inFlight = 16, partitions = 0 } = options;
  const producers = Array.from({ length: count }, () => client(broker).producer(options.producer));
  for (const p of producers) options.onProducer?.(p);
  await Promise.all(producers.map((p) => p.connect()));
  const perSend = options.perSend ?? Math.max(1, Math.min(1000, Math.floor((256 * 1024) / size)));
  const value = Buffer.alloc(size, 0x61);
  const messages = Array.from({ length: perSend }, () => ({ value }));
  // Messages with an explicit partition, built once per partition (objects made by a spread per send
  // cost the SDK ~1 µs per record more to read: V8 gives them slow, unstable shapes).
  const withPartition = Array.from({ length: partitions }, (_, partition) =>
    Array.from({ length: perSend }, () => ({ value, partition })),
  );
  let sent = 0;
  let next = 0;
  const started = performance.now();
  const lane = async (producer: (typeof producers)[number]) => {
    while (sent < records) {
      const n = Math.min(perSend, records - sent);
      sent += n;
      const all = partitions > 0 ? withPartition[next++ % partitions]! : messages;
      await producer.send({ topic, acks, messages: n === perSend ? all : all.slice(0, n) });
    }
  };
  await Promise.all(producers.flatMap((p) => Array.from({ length: inFlight }, () => lane(p))));
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(producers.map((p) => p.disconnect()));
  return records / seconds;
}

/** The replay benches' fetch sizes (larger than the SDK defaults of 1 MiB per partition / 10 MiB per fetch). */
export const REPLAY_FETCH = { maxBytesPerPartition: 8 * 1024 * 1024, maxBytes: 32 * 1024 * 1024 };

/** What replay() measured besides its rate. */
export interface ReplayTiming {
  /** Records per second after the first delivery (stats.ts's afterFirst, as the peers' benches report it). */
  afterFirstRecordsPerSec?: number;
  /** Called after each delivery with the records delivered so far (eachBatch only). */
  onDelivered?: (records: number) => void;
}

/**
 * Consumes `records` from the beginning of `topic`; returns records/s. `consumerConfig` replaces the
 * fetch sizes (pass `{}` for the SDK's defaults). The consumer is the built SDK's (bench/lib/sdk.ts):
 * its per-record cost is what an application pays. `timing` receives the rate after the first delivery.
 */
export async function replay(
  broker: BrokerProcess,
  topic: string,
  records: number,
  mode: 'eachBatch' | 'eachMessage' = 'eachBatch',
  consumerConfig: Record<string, number | boolean | string> = REPLAY_FETCH,
  timing?: ReplayTiming,
): Promise<number> {
  const sluice = new sdk.Sluice({
    clientId: 'bench',
    brokers: [broker.address],
    logLevel: LOG_LEVEL,
    ...(broker.ssl ? { ssl: broker.ssl } : {}),
  });
  const consumer = sluice.consumer(consumerConfig);
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let seen = 0;
  let firstAt = 0;
  let firstRecords = 0;
  let resolveDone!: () => void;
  const done = new Promise<void>((resolve) => (resolveDone = resolve));
  const t0 = performance.now();
  if (mode === 'eachBatch') {
    void consumer.run({
      eachBatch: async ({ batch }: { batch: { messages: unknown[] } }) => {
        if (seen === 0) [firstAt, firstRecords] = [performance.now(), batch.messages.length];
        seen += batch.messages.length;
        timing?.onDelivered?.(seen);
        if (seen >= records) resolveDone();
      },
    });
  } else {
    void consumer.run({
      eachMessage: async () => {
        if (seen === 0) [firstAt, firstRecords] = [performance.now(), 1];
        if (++seen >= records) resolveDone();
      },
    });
  }
  await done;
  const endAt = performance.now();
  await consumer.disconnect();
  if (timing) timing.afterFirstRecordsPerSec = afterFirst(records, firstRecords, firstAt, endAt);
  return records / ((endAt - t0) / 1000);
}

export interface LatencyOptions {
  /**
   * Where the consumer runs: 'process' (default) its own process (bench/lib/latency-consumer.ts), as a
   * real consuming application would; 'inline' in this process next to the producer (the old mode: the
   * producer's bursts and the consumer's deliveries then queue behind each other on one event loop).
   */
  consumer?: 'process' | 'inline';
  /**
   * Seconds of sending at the same rate before the measured window (samples dropped, CPU not counted):
   * the three processes' code compiled and their heaps grown first. 0: the first 500 ms of the window
   * are dropped instead (its CPU counted).
   */
  warmupSeconds?: number;
  /** Record a timeline in the client processes (bench/lib/latency-trace-hooks.ts) and return it. */
  trace?: boolean;
  /**
   * Count the clients' requests by API (the SDK's `sluice:client:request` channel, which builds one event
   * per request while subscribed): how many records each produce request and fetch answer carried.
   */
  countRequests?: boolean;
}

export interface LatencyRun extends LatencySummary, MachineDuring {
  /** Per record (after warm-up): send time and eachMessage time, monotonic ms. */
  sentAt?: number[];
  arrivedAt?: number[];
  /** Per record (traced runs): its offset. */
  offsets?: number[];
  producerTrace?: Trace;
  consumerTrace?: Trace;
  /** Records sent (all of them, warm-up included: the CPU figures cover the same span). */
  sent: number;
  /** With countRequests: the producer's and the consumer's requests by API name, over the whole run. */
  requests?: { producer: Record<string, number>; consumer: Record<string, number> };
}

/** The consumer in a child process; resolves once its run() has started. */
async function forkConsumer(broker: BrokerProcess, topic: string, trace: boolean, countRequests: boolean) {
  const child = fork(join(import.meta.dirname, 'latency-consumer.ts'), [], {
    execArgv: clientExecArgv(),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = () =>
    new Promise<unknown>((resolve, reject) => {
      child.once('message', resolve);
      child.once('exit', (code) => reject(new Error(`latency consumer exited (${code})`)));
    });
  const ready = next();
  child.send({ address: broker.address, topic, trace, countRequests });
  await ready;
  return {
    pid: child.pid!,
    kill: () => void child.kill(),
    async stop(): Promise<Consumed> {
      const result = next();
      child.send('stop');
      return (await result) as Consumed;
    },
  };
}

interface Consumed {
  sentAt: number[];
  arrivedAt: number[];
  offsets?: number[];
  trace?: Trace;
  requests?: Record<string, number>;
}

/** Counts this process's SDK requests of one client kind by API name, until the returned stop(). */
export function countClientRequests(kind: 'producer' | 'consumer'): () => Record<string, number> {
  const counts: Record<string, number> = {};
  const onRequest = (message: unknown) => {
    const { client, payload } = message as { client: string; payload: { apiName: string } };
    if (client === kind) counts[payload.apiName] = (counts[payload.apiName] ?? 0) + 1;
  };
  subscribe(REQUEST_CHANNEL, onRequest);
  return () => {
    unsubscribe(REQUEST_CHANNEL, onRequest);
    return counts;
  };
}

/**
 * The latency bench's Sluice clients started (the topic created, this process the producer, the consumer in
 * its own process, as `latency` runs them): `send` is one `producer.send` of one record with acks=1;
 * `collect()` disconnects both and gives every record the consumer stamped (and, with countRequests, the
 * clients' requests); `close()` kills the consumer if collect() was not reached.
 */
export async function openSluiceLatency(
  broker: BrokerProcess,
  topic: string,
  options: { countRequests?: boolean } = {},
): Promise<LatencyClients & { requests(): LatencyRun['requests'] }> {
  const countRequests = options.countRequests ?? false;
  const stopCountingProducer = countRequests ? countClientRequests('producer') : undefined;
  await createTopic(broker, topic, 1);
  const producer = (await latencyClient(broker, false)).producer();
  await producer.connect();
  const consumer = await forkConsumer(broker, topic, false, countRequests);
  let requests: LatencyRun['requests'];
  return {
    pids: [broker.child.pid!, consumer.pid],
    send: (value) => void producer.send({ topic, acks: 1, messages: [{ value }] }),
    async collect() {
      await producer.disconnect();
      const consumed = await consumer.stop();
      const producerRequests = stopCountingProducer?.();
      if (producerRequests) requests = { producer: producerRequests, consumer: consumed.requests ?? {} };
      return consumed;
    },
    close: () => consumer.kill(),
    requests: () => requests,
  };
}

/**
 * Produces at a fixed rate, one record per send() (as an application sending events one at a time),
 * with the send time (monotonic clock, shared by the processes) in the value; the consumer measures
 * arrival − send.
 */
export async function latency(
  broker: BrokerProcess,
  topic: string,
  rate: number,
  seconds: number,
  options: LatencyOptions = {},
): Promise<LatencyRun> {
  const { consumer: where = 'process', trace = false, countRequests = false, warmupSeconds = 0 } = options;
  const stopCountingProducer = countRequests ? countClientRequests('producer') : undefined;
  const sluice = await latencyClient(broker, trace);
  await createTopic(broker, topic, 1);
  const stopProducerTrace = trace
    ? startTrace({ sdkConnections: where === 'process', ...(where === 'process' ? { role: 'producer' as const } : {}) })
    : undefined;
  const producer = sluice.producer();
  await producer.connect();
  const sentAt = new StampLog();
  const arrivedAt = new StampLog();
  let stopConsumer: () => Promise<Consumed>;
  let consumerPid: number | undefined;
  if (where === 'process') {
    const forked = await forkConsumer(broker, topic, trace, countRequests);
    stopConsumer = forked.stop;
    consumerPid = forked.pid;
  } else {
    const stopCountingConsumer = countRequests ? countClientRequests('consumer') : undefined;
    const consumer = sluice.consumer({ maxWaitTimeInMs: 500 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: false });
    await consumer.run({
      eachMessage: async ({ message }: { message: { value: Buffer | null } }) => {
        arrivedAt.push(monoMs());
        sentAt.push(message.value!.readDoubleBE(0));
      },
    });
    stopConsumer = async () => {
      await consumer.disconnect();
      return {
        sentAt: sentAt.toArray(),
        arrivedAt: arrivedAt.toArray(),
        ...(stopCountingConsumer ? { requests: stopCountingConsumer() } : {}),
      };
    };
  }
  await new Promise((r) => setTimeout(r, 300));
  if (warmupSeconds > 0) {
    await sendPaced(rate, warmupSeconds, (value) => void producer.send({ topic, acks: 1, messages: [{ value }] }));
    await new Promise((r) => setTimeout(r, 200));
  }
  const warmupEnds = monoMs() + (warmupSeconds > 0 ? 0 : 500);
  const steal = stealMeter([broker.child.pid!, ...(consumerPid ? [consumerPid] : [])]);
  await sendPaced(rate, seconds, (value) => void producer.send({ topic, acks: 1, messages: [{ value }] }));
  await new Promise((r) => setTimeout(r, 1000));
  const machine = steal.stop();
  await producer.disconnect();
  const producerTrace = stopProducerTrace?.();
  const consumed = await stopConsumer();
  const producerRequests = stopCountingProducer?.();
  const { samples, kept } = afterWarmup(consumed, warmupEnds);
  // SLUICE_BENCH_GC_LOG (bench/lib/gc-log.mjs): the measured records' stamps, for bench/latency-gc.ts.
  const gcLog = process.env.SLUICE_BENCH_GC_LOG;
  if (gcLog) writeFileSync(join(gcLog, 'latency-samples.json'), JSON.stringify(kept));
  const summary = {
    ...summarizeLatencies(samples),
    ...machine,
    sent: rate * seconds,
    ...(producerRequests ? { requests: { producer: producerRequests, consumer: consumed.requests ?? {} } } : {}),
  };
  if (!trace) return summary;
  return {
    ...summary,
    ...kept,
    ...(producerTrace ? { producerTrace } : {}),
    ...(consumed.trace ? { consumerTrace: consumed.trace } : {}),
  };
}
