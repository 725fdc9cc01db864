// Shared helpers for SDK tests: an in-process broker on port 0 with a temp dir, a client wired to it
// with fast retries, a log capture, and "collect N messages" for consumers.
import { Broker, type BrokerOptions } from '../../src/broker/index.js';
import { logLevel, Sluice, type Consumer, type KafkaMessage, type LogEntry } from '../../src/client/index.js';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { afterAll, afterEach } from 'vitest';
import { removeTempDirs, tempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

export interface SdkBroker {
  broker: Broker;
  port: number;
  dataDir: string;
  stop(): Promise<void>;
}

export async function startSdkBroker(options: Partial<BrokerOptions> = {}): Promise<SdkBroker> {
  const dataDir = options.dataDir ?? (await tempDir('sluice-sdk-'));
  const broker = new Broker({ port: 0, shutdownTimeoutMs: 2000, ...options, dataDir });
  const port = await broker.start();
  return { broker, port, dataDir, stop: () => broker.stop() };
}

export class LogSink {
  readonly entries: LogEntry[] = [];
  readonly logCreator = () => (entry: LogEntry) => {
    this.entries.push(entry);
  };
  has(pattern: RegExp): boolean {
    return this.entries.some((e) => pattern.test(e.log.message));
  }
}

export function sdkClient(port: number, options: { logs?: LogSink; retries?: number } = {}): Sluice {
  return new Sluice({
    clientId: 'sdk-test',
    brokers: [`127.0.0.1:${port}`],
    connectionTimeout: 1000,
    requestTimeout: 5000,
    retry: { retries: options.retries ?? 5, initialRetryTime: 20, maxRetryTime: 500 },
    logLevel: options.logs ? logLevel.DEBUG : logLevel.NOTHING,
    logCreator: options.logs?.logCreator,
  });
}

export interface Received {
  topic: string;
  partition: number;
  message: KafkaMessage;
}

/** Runs the consumer with eachMessage until `count` messages arrived (or the timeout passes). */
export async function collect(consumer: Consumer, count: number, timeoutMs = 10_000): Promise<Received[]> {
  const got: Received[] = [];
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  await consumer.run({
    eachMessage: async ({ topic, partition, message }) => {
      got.push({ topic, partition, message });
      if (got.length >= count) done();
    },
  });
  const timer = setTimeout(done, timeoutMs);
  await finished;
  clearTimeout(timer);
  return got;
}

export const str = (b: Buffer | null) => (b === null ? null : b.toString('utf8'));

export { waitFor };

/**
 * Runs `start` while counting what an in-process broker sends in fetch answers and stream frames
 * (`sluice:broker:fetch`), then waits until it has sent at least `answers` non-empty ones and its bytes stopped
 * growing for 200 ms (with a consumer's handler held: it has fetched ahead as far as its window lets it).
 * Returns the bytes sent by then.
 */
export async function untilBrokerStopsSending(start: () => Promise<void>, answers = 0): Promise<number> {
  let sent = 0;
  let answered = 0;
  const onFetched = (event: unknown) => {
    const bytes = (event as { bytes: number }).bytes;
    sent += bytes;
    if (bytes > 0) answered++;
  };
  subscribe('sluice:broker:fetch', onFetched);
  try {
    await start();
    let before = -1;
    await waitFor(
      () => {
        const settled = answered >= answers && sent === before;
        before = sent;
        return settled;
      },
      { intervalMs: 200 },
    );
    return sent;
  } finally {
    unsubscribe('sluice:broker:fetch', onFetched);
  }
}

/** A test file's broker and the consumers its tests start. */
export interface TestRun<B extends { stop(): Promise<void> }> {
  broker: B | undefined;
  consumers: Consumer[];
}

/**
 * Registers the file's clean-up: after each test its consumers are disconnected and its broker stopped;
 * after the file, its temp dirs are removed. Tests set `broker` and push to `consumers`.
 */
export function cleanedUpAfterEach<B extends { stop(): Promise<void> }>(): TestRun<B> {
  const run: TestRun<B> = { broker: undefined, consumers: [] };
  afterEach(async () => {
    for (const c of run.consumers.splice(0)) await c.disconnect();
    await run.broker?.stop();
    run.broker = undefined;
  });
  afterAll(removeTempDirs);
  return run;
}
