// The peers driven by their usual Node client libraries (ioredis, nats.js) doing the same work as the
// raw-protocol clients in redis.ts / nats.ts, against the same servers: issue 6 compares Sluice with the
// faster of the two clients of each peer, so both are measured.
//   node --import tsx bench/peers/libraries.ts [records] [size]
import { Redis } from 'ioredis';
import { AckPolicy, connect, DeliverPolicy, StorageType } from 'nats';
import { startNatsServer } from './nats.js';
import { afterFirst } from '../lib/stats.js';
import { startRedisServer, type PeerResult } from './redis.js';

/** ioredis: XADD in pipelines of `window / 2`, two in flight; replay with XRANGE COUNT 10000. */
export async function benchIoredis(records: number, size: number, window = 2000): Promise<PeerResult> {
  const { port, stop } = await startRedisServer();
  const redis = new Redis({ host: '127.0.0.1', port, lazyConnect: true });
  try {
    await redis.connect();
    const value = Buffer.alloc(size, 0x61);
    const started = performance.now();
    let previous: Promise<unknown> = Promise.resolve();
    for (let sent = 0; sent < records; ) {
      const n = Math.min(window / 2, records - sent);
      const pipeline = redis.pipeline();
      for (let i = 0; i < n; i++) pipeline.xadd('bench', '*', 'v', value);
      const exec = pipeline.exec();
      await previous;
      previous = exec;
      sent += n;
    }
    await previous;
    const produceSeconds = (performance.now() - started) / 1000;

    const replayStart = performance.now();
    let read = 0;
    let from = '-';
    let firstAt = 0;
    let firstRecords = 0;
    while (read < records) {
      const entries = await redis.xrangeBuffer('bench', from, '+', 'COUNT', 10_000);
      if (entries.length === 0) break;
      if (read === 0) [firstAt, firstRecords] = [performance.now(), entries.length];
      read += entries.length;
      from = `(${entries[entries.length - 1]![0].toString()}`;
    }
    const endAt = performance.now();
    const replaySeconds = (endAt - replayStart) / 1000;
    return {
      produceRecordsPerSec: records / produceSeconds,
      replayRecordsPerSec: read / replaySeconds,
      replayAfterFirstRecordsPerSec: afterFirst(read, firstRecords, firstAt, endAt),
    };
  } finally {
    redis.disconnect();
    await stop();
  }
}

/** nats.js: JetStream publish with `window` acks outstanding (two halves); replay with a pull consumer's fetch. */
export async function benchNatsJs(records: number, size: number, window = 2000): Promise<PeerResult> {
  const { port, stop } = await startNatsServer();
  const nc = await connect({ servers: `127.0.0.1:${port}` });
  try {
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: 'BENCH', subjects: ['bench.data'], storage: StorageType.File });
    const js = nc.jetstream();
    const payload = new Uint8Array(size).fill(0x61);
    const started = performance.now();
    let previous: Promise<unknown> = Promise.resolve();
    for (let sent = 0; sent < records; ) {
      const n = Math.min(window / 2, records - sent);
      const acks: Array<Promise<unknown>> = [];
      for (let i = 0; i < n; i++) acks.push(js.publish('bench.data', payload));
      await previous;
      previous = Promise.all(acks);
      sent += n;
    }
    await previous;
    const produceSeconds = (performance.now() - started) / 1000;

    await jsm.consumers.add('BENCH', {
      durable_name: 'replay',
      ack_policy: AckPolicy.None,
      deliver_policy: DeliverPolicy.All,
    });
    const consumer = await js.consumers.get('BENCH', 'replay');
    const replayStart = performance.now();
    let read = 0;
    let firstAt = 0;
    while (read < records) {
      const before = read;
      const messages = await consumer.fetch({ max_messages: Math.min(10_000, records - read), expires: 5_000 });
      for await (const message of messages) {
        if (message.data.length !== size) continue;
        if (read === 0) firstAt = performance.now(); // handed over one at a time: the first delivery is one record
        read++;
      }
      if (read === before) break;
    }
    const endAt = performance.now();
    const replaySeconds = (endAt - replayStart) / 1000;
    return {
      produceRecordsPerSec: records / produceSeconds,
      replayRecordsPerSec: read / replaySeconds,
      replayAfterFirstRecordsPerSec: afterFirst(read, 1, firstAt, endAt),
    };
  } finally {
    await nc.close();
    await stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const records = Number(process.argv[2] ?? 200_000);
  const size = Number(process.argv[3] ?? 100);
  for (const [name, bench] of [
    ['ioredis', benchIoredis],
    ['nats.js', benchNatsJs],
  ] as const) {
    const r = await bench(records, size);
    process.stdout.write(
      `${name}: produce ${r.produceRecordsPerSec.toFixed(0)}/s, replay ${r.replayRecordsPerSec.toFixed(0)}/s\n`,
    );
  }
}
