// The kafkajs compatibility suite's set-up: a real in-process broker and a `Kafka` client from the package
// root, used the way kafkajs's documentation uses it (only the import differs).
import { afterAll, beforeAll } from 'vitest';
import { Broker, Kafka, logLevel } from '../../src/index.js';
import { removeTempDirs, tempDir } from '../helpers/temp-dir.js';

export interface CompatBroker {
  broker: Broker;
  /** What a kafkajs program puts in `brokers`. */
  brokers: string[];
  /** A client configured as the kafkajs docs do (clientId, brokers), quiet, with quick retries. */
  kafka(config?: Record<string, unknown>): Kafka;
}

export function useBroker(): CompatBroker {
  const live = {} as CompatBroker;
  beforeAll(async () => {
    live.broker = new Broker({ dataDir: await tempDir('sluice-compat-'), port: 0, defaultPartitions: 1 });
    const port = await live.broker.start();
    live.brokers = [`127.0.0.1:${port}`];
    live.kafka = (config = {}) =>
      new Kafka({
        clientId: 'my-app',
        brokers: live.brokers,
        logLevel: logLevel.NOTHING,
        retry: { initialRetryTime: 50, retries: 5 },
        ...config,
      });
  });
  afterAll(async () => {
    await live.broker?.stop();
    await removeTempDirs();
  });
  return live;
}

/** Resolves once `count` messages were seen (or rejects after `ms`). */
export function collector<T>(count: number, ms = 15_000) {
  const items: T[] = [];
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const done = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  const timer = setTimeout(() => reject(new Error(`only ${items.length} of ${count} arrived`)), ms);
  return {
    items,
    done: done.finally(() => clearTimeout(timer)),
    push(item: T) {
      items.push(item);
      if (items.length >= count) resolve();
    },
  };
}
