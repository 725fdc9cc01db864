// The consumer runner against a real in-process broker: pause/resume and seek take effect at once (not
// after a long poll of maxWaitTimeInMs), and a failing handler is retried on the `retry` schedule, then
// crashes and restarts as kafkajs's consumer does.
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { collectGarbage } from '../helpers/gc.js';
import {
  type Consumer,
  type EachMessagePayload,
  type LogEntry,
  logLevel,
  type RetryOptions,
  Sluice,
} from '../../src/client/index.js';
import { ErrorCode, OffsetFetchApi } from '../../src/protocol/index.js';
import { removeTempDirs } from '../helpers/temp-dir.js';
import { LogSink, type SdkBroker, startSdkBroker, waitFor } from './helpers.js';

let b: SdkBroker;
const consumers: Consumer[] = [];

beforeEach(async () => {
  b = await startSdkBroker();
});
afterEach(async () => {
  for (const c of consumers.splice(0)) await c.disconnect();
  await b.stop();
});
afterAll(removeTempDirs);

function client(retry: RetryOptions = {}, logs?: LogSink): Sluice {
  return new Sluice({
    clientId: 'runner-test',
    brokers: [`127.0.0.1:${b.port}`],
    retry: { initialRetryTime: 20, retries: 5, ...retry },
    logLevel: logs ? logLevel.DEBUG : logLevel.NOTHING,
    logCreator: logs?.logCreator,
  });
}

async function produce(topic: string, values: string[], partition = 0): Promise<void> {
  const producer = client().producer();
  await producer.connect();
  await producer.send({ topic, messages: values.map((value) => ({ value, partition })) });
  await producer.disconnect();
}

/** A group consumer as kafkajs programs make one, with the default-sized long poll of 5 s. */
async function subscribed(topic: string, kafka = client(), retry?: RetryOptions): Promise<Consumer> {
  const consumer = kafka.consumer({ groupId: `group-${topic}`, maxWaitTimeInMs: 5000, retry });
  consumers.push(consumer);
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  return consumer;
}

/** Resolves with the time each value is first seen; `next(value)` waits for one. */
function arrivals() {
  const seen = new Map<string, number>();
  const waiting = new Map<string, () => void>();
  return {
    seen,
    record(value: string) {
      if (!seen.has(value)) seen.set(value, Date.now());
      waiting.get(value)?.();
    },
    next(value: string, timeoutMs = 15_000): Promise<number> {
      if (seen.has(value)) return Promise.resolve(seen.get(value)!);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${value} did not arrive`)), timeoutMs);
        waiting.set(value, () => {
          clearTimeout(timer);
          resolve(seen.get(value)!);
        });
      });
    },
  };
}

describe('pause, resume and seek wake the consumer at once', () => {
  it('pausing in eachMessage and resuming 1 s later delivers the next message right after the resume', async () => {
    await produce('pause-wake', ['m0', 'm1', 'm2']);
    const consumer = await subscribed('pause-wake');
    const got = arrivals();
    let resumedAt = 0;
    await consumer.run({
      eachMessage: async ({ message, pause }: EachMessagePayload) => {
        const value = message.value!.toString();
        got.record(value);
        if (value === 'm0') {
          const resume = pause();
          setTimeout(() => {
            resumedAt = Date.now();
            resume();
          }, 1000);
        }
      },
    });
    const m1 = await got.next('m1');
    expect(m1 - resumedAt).toBeLessThan(1500);
    expect(m1 - resumedAt).toBeGreaterThanOrEqual(0); // nothing was delivered while paused
    await got.next('m2');
    expect([...got.seen.keys()]).toEqual(['m0', 'm1', 'm2']);
  });

  it('a message produced while paused arrives right after resume()', async () => {
    await produce('pause-new', ['m0']);
    const consumer = await subscribed('pause-new');
    const got = arrivals();
    await consumer.run({ eachMessage: async ({ message }) => got.record(message.value!.toString()) });
    await got.next('m0');
    consumer.pause([{ topic: 'pause-new' }]);
    await produce('pause-new', ['m1']);
    const resumedAt = Date.now();
    consumer.resume([{ topic: 'pause-new' }]);
    expect((await got.next('m1')) - resumedAt).toBeLessThan(1500);
  });

  it('seek() while the fetcher waits in a long poll is served at once', async () => {
    await produce('seek-wake', ['s0', 's1', 's2']);
    const consumer = await subscribed('seek-wake');
    const fetchStarts: number[] = [];
    let longPollOut!: () => void;
    const longPoll = new Promise<void>((resolve) => (longPollOut = resolve));
    const got: string[] = [];
    let all!: () => void;
    const done = new Promise<void>((resolve) => (all = resolve));
    consumer.on(consumer.events.FETCH_START, () => {
      fetchStarts.push(Date.now());
      if (got.length === 3) longPollOut(); // the fetch after s2: nothing more to read, it waits
    });
    let seekedAt = 0;
    let again = 0;
    await consumer.run({
      eachMessage: async ({ message }) => {
        got.push(message.value!.toString());
        if (got.length === 4) again = Date.now();
        if (got.length === 5) all();
      },
    });
    await longPoll;
    seekedAt = Date.now();
    consumer.seek({ topic: 'seek-wake', partition: 0, offset: '1' });
    await done;
    expect(got).toEqual(['s0', 's1', 's2', 's1', 's2']);
    expect(again - seekedAt).toBeLessThan(1500);
  });

  it('resuming one partition while another one waits in a long poll on the same broker', async () => {
    const admin = client().admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'two-parts', numPartitions: 2 }] });
    await admin.disconnect();
    const consumer = await subscribed('two-parts');
    const got = arrivals();
    await consumer.run({ eachMessage: async ({ message }) => got.record(message.value!.toString()) });
    await produce('two-parts', ['a0'], 0);
    await got.next('a0');
    consumer.pause([{ topic: 'two-parts', partitions: [0] }]);
    await produce('two-parts', ['b0'], 1);
    await got.next('b0'); // partition 1 is fetched alone now, and its next fetch waits
    await produce('two-parts', ['a1'], 0);
    const resumedAt = Date.now();
    consumer.resume([{ topic: 'two-parts', partitions: [0] }]);
    expect((await got.next('a1')) - resumedAt).toBeLessThan(1500);
  });
});

describe('a failing handler is retried per `retry`', () => {
  /** Runs a consumer whose eachMessage fails `failures` times on `m0`, recording when each attempt started. */
  async function failing(topic: string, failures: number, retry: RetryOptions, error = () => new Error('boom')) {
    await produce(topic, ['m0', 'm1']);
    const logs = new LogSink();
    const consumer = await subscribed(topic, client({}, logs), retry);
    const attempts: number[] = [];
    const crashes: Array<{ error: Error; restart: boolean }> = [];
    consumer.on(consumer.events.CRASH, (e) => crashes.push(e.payload));
    const stopped = new Promise<void>((resolve) => consumer.on(consumer.events.STOP, () => resolve()));
    const got = arrivals();
    await consumer.run({
      eachMessage: async ({ message }) => {
        const value = message.value!.toString();
        if (value === 'm0') attempts.push(Date.now());
        if (value === 'm0' && attempts.length <= failures) throw error();
        got.record(value);
      },
    });
    return { attempts, crashes, got, logs, stopped };
  }

  const gaps = (times: number[]) => times.slice(1).map((t, i) => t - times[i]!);
  const retryLogs = (logs: LogSink) =>
    logs.entries.filter((e: LogEntry) => e.log.message === 'Error when calling eachMessage');

  it('waits initialRetryTime, then multiplies each wait, and logs the true wait', async () => {
    const retry = { initialRetryTime: 100, factor: 0, multiplier: 2, retries: 5 };
    const { attempts, got, logs, crashes } = await failing('retry-schedule', 3, retry);
    await got.next('m1');
    expect(attempts).toHaveLength(4);
    const waits = gaps(attempts);
    const logged = retryLogs(logs).map((e) => e.log.retryInMs);
    expect(logged).toEqual([100, 200, 400]);
    for (const [i, wait] of waits.entries()) {
      expect(wait).toBeGreaterThanOrEqual(logged[i] as number);
      expect(wait).toBeLessThan((logged[i] as number) + 300);
    }
    expect(crashes).toEqual([]);
    expect(got.seen.has('m0')).toBe(true);
  });

  it('after `retries` retries it crashes with KafkaJSNumberOfRetriesExceeded and restarts', async () => {
    const retry = { initialRetryTime: 30, factor: 0, multiplier: 2, retries: 2 };
    const { attempts, got, crashes } = await failing('retry-exhausted', 3, retry);
    await got.next('m1');
    expect(attempts).toHaveLength(4); // the first try, two retries, and the try after the restart
    expect(crashes).toHaveLength(1);
    expect(crashes[0]!.error.name).toBe('KafkaJSNumberOfRetriesExceeded');
    expect(crashes[0]!.restart).toBe(true);
    expect((crashes[0]!.error as Error & { retryCount: number }).retryCount).toBe(2);
    expect(gaps(attempts)[2]).toBeGreaterThanOrEqual(60); // restarted after the last wait
  });

  it('restartOnFailure returning false stops the consumer after the retries', async () => {
    const asked: Error[] = [];
    const retry = {
      initialRetryTime: 20,
      factor: 0,
      retries: 1,
      restartOnFailure: async (e: Error) => {
        asked.push(e);
        return false;
      },
    };
    const { attempts, crashes, stopped } = await failing('retry-no-restart', 100, retry);
    await stopped;
    expect(attempts).toHaveLength(2);
    expect(asked.map((e) => e.name)).toEqual(['KafkaJSNumberOfRetriesExceeded']);
    expect(crashes.map((c) => c.restart)).toEqual([false]);
  });

  it('a non-retriable error (a TypeError) crashes the consumer at once, without restart', async () => {
    const { attempts, crashes, stopped } = await failing('retry-type-error', 100, { initialRetryTime: 20 }, () =>
      TypeError('handler bug'),
    );
    await stopped;
    expect(attempts).toHaveLength(1);
    expect(crashes).toHaveLength(1);
    expect(crashes[0]!.error.name).toBe('KafkaJSNonRetriableError');
    expect(crashes[0]!.restart).toBe(false);
  });
});

/**
 * Runs a handler kafkajs's types do not describe (one that returns nothing, or a thenable) over `values`
 * produced to `topic`, with quick retries; resolves with the values it recorded, once the last one was.
 */
async function deliveredThrough(
  topic: string,
  values: string[],
  eachMessage: (payload: EachMessagePayload, record: (value: string) => void) => unknown,
): Promise<string[]> {
  await produce(topic, values);
  const consumer = await subscribed(topic, client(), { initialRetryTime: 20, factor: 0, retries: 5 });
  const delivered: string[] = [];
  const got = arrivals();
  const record = (value: string) => {
    delivered.push(value);
    got.record(value);
  };
  const handler = (payload: EachMessagePayload) => eachMessage(payload, record);
  await consumer.run({ eachMessage: handler as unknown as (p: EachMessagePayload) => Promise<void> });
  await got.next(values.at(-1)!);
  return delivered;
}

describe('an eachMessage handler that is not async', () => {
  it('gets every message in order, and a synchronous throw is retried like a rejection', async () => {
    const values = Array.from({ length: 50 }, (_, i) => `s${i}`);
    let thrown = 0;
    // Plain (not async) function returning nothing: the runner must not need a promise back.
    const delivered = await deliveredThrough('sync-handler', values, ({ message }, record) => {
      const value = message.value!.toString();
      if (value === 's10' && thrown < 2) {
        thrown++;
        throw new Error('not yet');
      }
      record(value);
    });
    expect(thrown).toBe(2);
    expect(delivered).toEqual(values);
  });
});

describe('an eachMessage handler that returns a thenable other than a promise', () => {
  it('waits for it, moves on once even when it calls back twice, and retries a rejection', async () => {
    const values = Array.from({ length: 30 }, (_, i) => `t${i}`);
    let rejected = 0;
    // A careless thenable (as some promise libraries' shims are): settles later, and calls its callback twice.
    const delivered = await deliveredThrough('thenable-handler', values, ({ message }, record) => ({
      // biome-ignore lint/suspicious/noThenProperty: the handler's result is this hand-made thenable
      then(onFulfilled: () => void, onRejected: (err: Error) => void) {
        const value = message.value!.toString();
        setTimeout(() => {
          if (value === 't7' && rejected < 1) {
            rejected++;
            onRejected(new Error('not yet'));
            return;
          }
          record(value);
          onFulfilled();
          onFulfilled();
        }, 1);
      },
    }));
    expect(rejected).toBe(1);
    expect(delivered).toEqual(values);
  });
});

describe('a start that fails past the retries restarts the consumer, as in kafkajs', () => {
  it('run() resolves, CRASH says restart, the member leaves its group meanwhile, then it consumes', async () => {
    const topic = 'restart-on-start';
    await produce(topic, ['a', 'b']);
    // The group's committed offsets cannot be read for a while: more failures than the retries allow.
    let refused = 0;
    b.broker.intercept(
      OffsetFetchApi,
      () => {
        refused++;
        return { error: 'COORDINATOR_LOAD_IN_PROGRESS' };
      },
      { times: 4 },
    );
    const consumer = client({ retries: 2, initialRetryTime: 20, factor: 0 }).consumer({
      groupId: 'restart-on-start',
      maxWaitTimeInMs: 100,
    });
    consumers.push(consumer);
    const crashes: Array<{ error: Error; restart: boolean }> = [];
    consumer.on(consumer.events.CRASH, (e) => crashes.push(e.payload));
    const got: string[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void got.push(message.value!.toString()) });

    expect(crashes.map((c) => [c.error.name, c.restart])).toEqual([['KafkaJSNumberOfRetriesExceeded', true]]);
    const admin = client().admin();
    await admin.connect();
    try {
      // Left the group on the crash: it holds no partition while it waits to restart.
      expect((await admin.describeGroups(['restart-on-start'])).groups[0]!.members).toHaveLength(0);
      await waitFor(() => got.length === 2, 10_000);
      expect(got).toEqual(['a', 'b']);
      expect(refused).toBe(4);
      expect((await admin.describeGroups(['restart-on-start'])).groups[0]!.members).toHaveLength(1);
    } finally {
      await admin.disconnect();
    }
  });

  it('a rebalance whose new partitions cannot be positioned restarts the member instead of leaving them unconsumed', async () => {
    const topic = 'restart-on-rebalance';
    const admin = client().admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] });
      const got: string[] = [];
      const crashes: boolean[] = [];
      const member = () => {
        const c = client({ retries: 2, initialRetryTime: 20, factor: 0 }).consumer({
          groupId: 'restart-on-rebalance',
          maxWaitTimeInMs: 100,
          heartbeatInterval: 100,
          sessionTimeout: 3000,
          rebalanceTimeout: 3000,
        });
        consumers.push(c);
        c.on(c.events.CRASH, (e) => crashes.push(e.payload.restart));
        return c;
      };
      const first = member();
      await first.connect();
      await first.subscribe({ topic, fromBeginning: true });
      await first.run({ eachMessage: async ({ message }) => void got.push(message.value!.toString()) });
      await produce(topic, ['p0-a'], 0);
      await produce(topic, ['p1-a'], 1);
      await waitFor(() => got.length === 2, 10_000);

      // From now on, the committed offsets cannot be read for longer than the retries last.
      b.broker.intercept(OffsetFetchApi, () => ({ error: 'COORDINATOR_LOAD_IN_PROGRESS' }), { times: 6 });
      const second = member();
      await second.connect();
      await second.subscribe({ topic, fromBeginning: true });
      await second.run({ eachMessage: async ({ message }) => void got.push(message.value!.toString()) });
      await produce(topic, ['p0-b'], 0);
      await produce(topic, ['p1-b'], 1);

      await waitFor(() => got.includes('p0-b') && got.includes('p1-b'), 20_000);
      expect(crashes.length).toBeGreaterThan(0);
      expect(crashes.every((restart) => restart)).toBe(true);
      await waitFor(async () => {
        const group = (await admin.describeGroups(['restart-on-rebalance'])).groups[0]!;
        return group.state === 'Stable' && group.members.length === 2;
      }, 20_000);
    } finally {
      await admin.disconnect();
    }
  });

  it('a failure that is not retriable makes run() reject, and the member is not left in the group', async () => {
    const topic = 'reject-on-start';
    await produce(topic, ['a']);
    b.broker.intercept(OffsetFetchApi, () => ({ error: 'GROUP_AUTHORIZATION_FAILED' }), { times: 1 });
    const consumer = client().consumer({ groupId: 'reject-on-start', maxWaitTimeInMs: 100 });
    consumers.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await expect(consumer.run({ eachMessage: async () => {} })).rejects.toThrow(/authoriz/i);
    const admin = client().admin();
    await admin.connect();
    try {
      expect((await admin.describeGroups(['reject-on-start'])).groups[0]!.members).toHaveLength(0);
    } finally {
      await admin.disconnect();
    }
  });
});

describe("a partition's committed offset that cannot be read", () => {
  /** OffsetFetch answered with `error` on every partition it asks for, `times` times. */
  function offsetsUnreadable(error: number, times: number): void {
    b.broker.intercept(
      OffsetFetchApi,
      ({ request }) => ({
        respond: {
          errorCode: 0,
          errorMessage: null,
          topics: (request.topics ?? []).map((t) => ({
            name: t.name,
            partitions: t.partitions.map((partition) => ({
              partition,
              offset: -1,
              metadata: null,
              errorCode: error,
              logEndOffset: -1,
              lag: -1,
            })),
          })),
        },
      }),
      { times },
    );
  }

  it('is an error, not a reset: a consumer refused the topic does not start from its beginning', async () => {
    const topic = 'offset-refused';
    await produce(topic, ['a', 'b']);
    offsetsUnreadable(ErrorCode.TOPIC_AUTHORIZATION_FAILED, 1);
    const consumer = client().consumer({ groupId: 'offset-refused', maxWaitTimeInMs: 100 });
    consumers.push(consumer);
    const got: string[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await expect(
      consumer.run({ eachMessage: async ({ message }) => void got.push(message.value!.toString()) }),
    ).rejects.toThrow(/offset-refused\[0\] in group 'offset-refused' could not be read: TOPIC_AUTHORIZATION_FAILED/);
    expect(got).toEqual([]);
  });

  it('is asked again while the error is retriable, and the consumer starts at the committed offset', async () => {
    const topic = 'offset-retried';
    await produce(topic, ['a', 'b']);
    const first = client().consumer({ groupId: 'offset-retried', maxWaitTimeInMs: 100 });
    const got: string[] = [];
    await first.connect();
    await first.subscribe({ topic, fromBeginning: true });
    await first.run({ eachMessage: async ({ message }) => void got.push(message.value!.toString()) });
    await waitFor(() => got.length === 2, 10_000);
    await first.disconnect(); // commits offset 2 as it stops
    const admin = client().admin();
    await admin.connect();
    try {
      expect(await admin.fetchOffsets({ groupId: 'offset-retried', topics: [topic] })).toEqual([
        { topic, partitions: [expect.objectContaining({ partition: 0, offset: '2' })] },
      ]);
    } finally {
      await admin.disconnect();
    }

    let asked = 0;
    b.broker.intercept(OffsetFetchApi, () => void asked++, { keep: true });
    offsetsUnreadable(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 2);
    const second = client().consumer({ groupId: 'offset-retried', maxWaitTimeInMs: 100 });
    consumers.push(second);
    await second.connect();
    await second.subscribe({ topic, fromBeginning: true });
    await second.run({ eachMessage: async ({ message }) => void got.push(message.value!.toString()) });
    await produce(topic, ['c']);
    await waitFor(() => got.includes('c'), 10_000);
    expect(got).toEqual(['a', 'b', 'c']);
    expect(asked).toBe(3); // twice refused, then answered
  });
});

describe('the runner between delivery slices', () => {
  it('lets the event loop run between the slices of buffered records while handlers return at once', async () => {
    // 600 KiB of 1 KiB records: more than two delivery slices (256 KiB of records each).
    const values = Array.from({ length: 600 }, (_, i) => `${i}:`.padEnd(1024, 'x'));
    await produce('slices-yield', values);
    const consumer = await subscribed('slices-yield');
    let delivered = 0;
    let deliveredWhenImmediateRan = -1;
    const all = new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async () => {
          if (delivered === 0) setImmediate(() => (deliveredWhenImmediateRan = delivered));
          delivered++;
          if (delivered === values.length) resolve();
        },
      });
    });
    await all;
    expect(deliveredWhenImmediateRan).toBeGreaterThan(0);
    expect(deliveredWhenImmediateRan).toBeLessThan(values.length);
  });

  it("lets go of a delivered slice's messages while it waits to deliver the next", async () => {
    const values = Array.from({ length: 600 }, (_, i) => `${i}:`.padEnd(1024, 'x'));
    await produce('slices-let-go', values);
    const consumer = await subscribed('slices-let-go');
    let firstSlice: WeakRef<object> | undefined;
    let firstSliceCollected: boolean | undefined;
    let delivered = 0;
    const all = new Promise<void>((resolve) => {
      void consumer.run({
        eachBatch: async ({ batch }) => {
          if (firstSlice === undefined) {
            firstSlice = new WeakRef(batch.messages);
            // Runs once this handler has returned, while the runner waits (to yield, or for more records).
            setImmediate(() => {
              collectGarbage();
              firstSliceCollected = firstSlice!.deref() === undefined;
            });
          }
          delivered += batch.messages.length;
          if (delivered === values.length) resolve();
        },
      });
    });
    await all;
    expect(firstSliceCollected).toBe(true);
  });
});
