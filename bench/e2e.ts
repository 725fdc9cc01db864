// End-to-end throughput and latency: `sluice serve` in its own process, the SDK in this one, over
// loopback — beside the loopback limit and the Redis Streams / NATS JetStream peers, in the same run.
//   node --import tsx bench/e2e.ts [--short] [--write]
// --short: smaller counts, one run each (a quick check). --write: replace the section in RESULTS.md.
import { Sluice } from '../src/index.js';
import { startBrokerProcess, type BrokerProcess } from './lib/broker-process.js';
import { describeCommit, describeMachine, today } from './lib/machine.js';
import { writeResultsSection, table } from './lib/results.js';
import { mbPerSecond, median, summarizeLatencies } from './lib/stats.js';
import { measureLoopback } from './loopback.js';
import { benchNats } from './peers/nats.js';
import { benchRedis } from './peers/redis.js';

const short = process.argv.includes('--short');
const write = process.argv.includes('--write');
const RUNS = short ? 1 : 3;

function client(broker: BrokerProcess) {
  return new Sluice({ clientId: 'bench', brokers: [broker.address], logLevel: 0 });
}

/** Sends `records` values of `size` bytes, `perSend` per send() call, `inFlight` calls outstanding. */
async function produce(broker: BrokerProcess, topic: string, records: number, size: number, acks: 1 | -1 = 1): Promise<number> {
  const producer = client(broker).producer();
  await producer.connect();
  const perSend = Math.max(1, Math.min(1000, Math.floor((256 * 1024) / size)));
  const messages = Array.from({ length: perSend }, () => ({ value: Buffer.alloc(size, 0x61) }));
  const inFlight = 16;
  let sent = 0;
  const started = performance.now();
  const lane = async () => {
    while (sent < records) {
      const n = Math.min(perSend, records - sent);
      sent += n;
      await producer.send({ topic, acks, messages: n === perSend ? messages : messages.slice(0, n) });
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
  const seconds = (performance.now() - started) / 1000;
  await producer.disconnect();
  return records / seconds;
}

async function replay(broker: BrokerProcess, topic: string, records: number): Promise<number> {
  const consumer = client(broker).consumer({ maxBytesPerPartition: 8 * 1024 * 1024, maxBytes: 32 * 1024 * 1024 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let seen = 0;
  let started = 0;
  const done = new Promise<void>((resolve) => {
    void consumer.run({
      eachBatch: async ({ batch }: { batch: { messages: unknown[] } }) => {
        if (started === 0) started = performance.now();
        seen += batch.messages.length;
        if (seen >= records) resolve();
      },
    });
  });
  const t0 = performance.now();
  await done;
  const seconds = (performance.now() - t0) / 1000;
  await consumer.disconnect();
  return records / seconds;
}

/** Produces at a fixed rate with the send time in the value; the consumer measures arrival − send. */
async function latency(broker: BrokerProcess, topic: string, rate: number, seconds: number) {
  const sluice = client(broker);
  const admin = sluice.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
  await admin.disconnect();
  const producer = sluice.producer();
  const consumer = sluice.consumer({ maxWaitTimeInMs: 500 });
  await Promise.all([producer.connect(), consumer.connect()]);
  await consumer.subscribe({ topic, fromBeginning: false });
  const samples: number[] = [];
  const warmupEnds = performance.now() + 500;
  await consumer.run({
    eachMessage: async ({ message }: { message: { value: Buffer | null } }) => {
      const sentAt = message.value!.readDoubleBE(0);
      if (sentAt > warmupEnds) samples.push(performance.now() - sentAt);
    },
  });
  await new Promise((r) => setTimeout(r, 300));
  const total = rate * seconds;
  const started = performance.now();
  for (let i = 0; i < total; ) {
    const due = Math.floor(((performance.now() - started) / 1000) * rate);
    const batch: Array<{ value: Buffer }> = [];
    while (i < total && i < due) {
      const value = Buffer.alloc(100);
      value.writeDoubleBE(performance.now(), 0);
      batch.push({ value });
      i++;
    }
    // Each record is its own send(), as an application sending events one at a time would do.
    for (const m of batch) void producer.send({ topic, acks: 1, messages: [m] });
    await new Promise((r) => setImmediate(r));
  }
  await new Promise((r) => setTimeout(r, 1000));
  await Promise.all([producer.disconnect(), consumer.disconnect()]);
  return summarizeLatencies(samples);
}

async function main(): Promise<void> {
  const counts = short ? { p100: 500_000, p1k: 100_000, replay: 1_000_000, peers: 200_000 } : { p100: 3_000_000, p1k: 500_000, replay: 10_000_000, peers: 1_000_000 };
  const loopback = median(await Promise.all([measureLoopback(short ? 1 : 3)]));
  const rows: Array<Array<string | number>> = [];
  const runs = { p100: [] as number[], p1k: [] as number[], replay: [] as number[] };
  for (let run = 0; run < RUNS; run++) {
    const broker = await startBrokerProcess({ flush: 'os' });
    try {
      runs.p100.push(await produce(broker, `p100-${run}`, counts.p100, 100));
      runs.p1k.push(await produce(broker, `p1k-${run}`, counts.p1k, 1024));
      await produce(broker, `replay-${run}`, counts.replay, 100);
      runs.replay.push(await replay(broker, `replay-${run}`, counts.replay));
    } finally {
      await broker.stop();
    }
  }
  const broker = await startBrokerProcess({ flush: 'os' });
  const lat = await latency(broker, 'latency', 10_000, short ? 3 : 10).finally(() => broker.stop());
  const matched = await startBrokerProcess({ flush: '1000' });
  const sluiceMatched = { produce: 0, replay: 0 };
  try {
    sluiceMatched.produce = await produce(matched, 'peer', counts.peers, 100);
    sluiceMatched.replay = await replay(matched, 'peer', counts.peers);
  } finally {
    await matched.stop();
  }
  const redis = await benchRedis(counts.peers, 100);
  const nats = await benchNats(counts.peers, 100);

  const p100 = median(runs.p100);
  const p1kMiB = mbPerSecond(median(runs.p1k) * 1024, 1);
  const replayRate = median(runs.replay);
  rows.push(['produce 100 B, acks=1, flush os', `${(p100 / 1e6).toFixed(2)} M rec/s (${mbPerSecond(p100 * 100, 1).toFixed(0)} MiB/s)`, '≥ 1.00 M rec/s', `${((p100 * 100) / (loopback * 1024 * 1024) * 100).toFixed(1)} % of loopback bytes`]);
  rows.push(['produce 1 KiB, acks=1, flush os', `${p1kMiB.toFixed(0)} MiB/s`, '≥ 300 MB/s', `${((p1kMiB / loopback) * 100).toFixed(1)} % of loopback`]);
  rows.push([`replay ${counts.replay.toLocaleString('en')} × 100 B`, `${(replayRate / 1e6).toFixed(2)} M rec/s`, '≥ 2.00 M rec/s', `${((replayRate * 100) / (loopback * 1024 * 1024) * 100).toFixed(1)} % of loopback bytes`]);
  rows.push(['latency at 10k rec/s (p50 / p99 / p99.9)', `${lat.p50.toFixed(2)} / ${lat.p99.toFixed(2)} / ${lat.p999.toFixed(2)} ms`, 'p99 ≤ 5 ms', `${lat.count} samples`]);
  const peers = table(['100 B records', 'Sluice (flush 1000 ms)', 'Redis Streams (everysec)', 'NATS JetStream (file)', 'Sluice ÷ faster peer'], [
    ['produce', `${(sluiceMatched.produce / 1e3).toFixed(0)} k/s`, `${(redis.produceRecordsPerSec / 1e3).toFixed(0)} k/s`, `${(nats.produceRecordsPerSec / 1e3).toFixed(0)} k/s`, `${(sluiceMatched.produce / Math.max(redis.produceRecordsPerSec, nats.produceRecordsPerSec)).toFixed(1)}×`],
    ['replay', `${(sluiceMatched.replay / 1e3).toFixed(0)} k/s`, `${(redis.replayRecordsPerSec / 1e3).toFixed(0)} k/s`, `${(nats.replayRecordsPerSec / 1e3).toFixed(0)} k/s`, `${(sluiceMatched.replay / Math.max(redis.replayRecordsPerSec, nats.replayRecordsPerSec)).toFixed(1)}×`],
  ]);
  const body = [
    `Date ${today()}, commit ${describeCommit()}, machine: ${describeMachine()}.`,
    `Command: \`node --import tsx bench/e2e.ts${short ? ' --short' : ''} --write\` (after \`npm ci\`). Broker = \`sluice serve\` in its own process; SDK client in the bench process; both share the 2 cores. Medians of ${RUNS} run(s).`,
    '',
    `Loopback limit in the same run (64 KiB writes between two Node processes): **${loopback.toFixed(0)} MiB/s**.`,
    '',
    table(['workload', 'Sluice', 'target', 'vs limit'], rows),
    '',
    `Peers, same machine, same run, ${counts.peers.toLocaleString('en')} records each, raw-protocol pipelined clients (bench/peers/):`,
    '',
    peers,
  ].join('\n');
  process.stdout.write(`${body}\n`);
  if (write) writeResultsSection('End to end (broker + SDK)', body);
}

await main();
