// Transactional produce against non-transactional idempotent produce, same run (issue 19): kafkajs 2.2.4 on
// the Kafka listener of a `sluice serve` child process (flush os, the default), 100-byte values, sends of
// up to 100 records; transactions of 1, 100 and 10,000 records. Workloads alternate run by run; medians.
//
//   npm run build && node --import tsx bench/transactions.ts [--records 20000] [--runs 3]
import { createRequire } from 'node:module';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';

const kafkajs = createRequire(import.meta.url)('kafkajs') as any;

function arg(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
}
const RECORDS = arg('records', 20_000);
const RUNS = arg('runs', 3);
const VALUE = Buffer.alloc(100, 'v');
const PER_SEND = 100;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen({ host: '127.0.0.1', port: 0 }, () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function startBroker(dataDir: string, kafkaPort: number): Promise<() => Promise<void>> {
  const child = spawn(
    process.execPath,
    ['dist/bin/sluice.js', 'serve', '--data-dir', dataDir, '--port', '0', '--kafka-port', String(kafkaPort)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve, reject) => {
    let text = '';
    child.stdout!.on('data', (d: Buffer) => {
      text += d.toString();
      if (text.includes('"msg":"listening"')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`sluice serve exited ${code}`)));
  });
  return () =>
    new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
}

type Workload = { name: string; perTxn: number | null };
const WORKLOADS: Workload[] = [
  { name: 'idempotent, no transaction', perTxn: null },
  { name: 'transactions of 1 record', perTxn: 1 },
  { name: 'transactions of 100 records', perTxn: 100 },
  { name: 'transactions of 10,000 records', perTxn: 10_000 },
];

async function runOnce(kafka: any, w: Workload, topic: string): Promise<number> {
  const records = w.perTxn === 1 ? Math.min(RECORDS, 2_000) : RECORDS;
  const producer = kafka.producer(
    w.perTxn === null
      ? { idempotent: true, maxInFlightRequests: 1 }
      : { transactionalId: `bench-${topic}`, idempotent: true, maxInFlightRequests: 1 },
  );
  await producer.connect();
  const messages = (n: number) => Array.from({ length: n }, () => ({ value: VALUE }));
  const started = process.hrtime.bigint();
  if (w.perTxn === null) {
    for (let sent = 0; sent < records; sent += PER_SEND)
      await producer.send({ topic, messages: messages(Math.min(PER_SEND, records - sent)) });
  } else {
    for (let sent = 0; sent < records; ) {
      const txn = await producer.transaction();
      const size = Math.min(w.perTxn, records - sent);
      for (let inTxn = 0; inTxn < size; inTxn += PER_SEND)
        await txn.send({ topic, messages: messages(Math.min(PER_SEND, size - inTxn)) });
      await txn.commit();
      sent += size;
    }
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await producer.disconnect();
  return records / seconds;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
  const dataDir = await mkdtemp(join(tmpdir(), 'sluice-bench-txn-'));
  const kafkaPort = await freePort();
  const stop = await startBroker(dataDir, kafkaPort);
  const kafka = new kafkajs.Kafka({
    clientId: 'bench-txn',
    brokers: [`127.0.0.1:${kafkaPort}`],
    logLevel: kafkajs.logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  const rates = new Map<string, number[]>(WORKLOADS.map((w) => [w.name, []]));
  try {
    for (let run = 0; run < RUNS; run++) {
      for (const [i, w] of WORKLOADS.entries()) {
        const topic = `bench-${run}-${i}`;
        await admin.createTopics({ topics: [{ topic }] });
        const rate = await runOnce(kafka, w, topic);
        rates.get(w.name)!.push(rate);
        console.log(`run ${run + 1} ${w.name}: ${Math.round(rate)} records/s`);
      }
    }
  } finally {
    await admin.disconnect();
    await stop();
    await rm(dataDir, { recursive: true, force: true });
  }
  const base = median(rates.get(WORKLOADS[0]!.name)!);
  console.log('\n| workload | records/s (median) | vs idempotent |\n| --- | --- | --- |');
  for (const w of WORKLOADS) {
    const m = median(rates.get(w.name)!);
    console.log(`| ${w.name} | ${Math.round(m).toLocaleString('en-US')} | ${(m / base).toFixed(2)} |`);
  }
}

await main();
