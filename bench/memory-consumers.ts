// Broker RSS with 1,000 consumers replaying at once (issue 20): one topic of `--mib` MiB, then `--consumers`
// SDK consumers (each its own connection, no group), spread over `--workers` processes
// (bench/lib/memory-consumers-worker.ts), all replaying it from the beginning, again and again, for
// `--seconds`; the broker's RSS is sampled every 200 ms. Bounded and self-stopping: the whole run is
// killed after `--timeout` seconds.
//   node --import tsx bench/memory-consumers.ts [--consumers 1000] [--workers 4] [--seconds 60]
//     [--partitions 4] [--mib 64] [--size 16384] [--max-bytes-kib 1024 (0: the consumer's default fetch sizes)]
//     [--broker-in-flight-mib N (the broker's maxInFlightBytes; default its own, 256)] [--timeout 900]
// Prints the broker's RSS when empty, after the produce, with every consumer connected, and the peak and
// median while they replay, beside the bound the broker's settings give (see bench/RESULTS.md).
import { type ChildProcess, fork } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBrokerProcess } from './lib/broker-process.js';
import { cpuSecondsOf, load, rssMiB } from './lib/proc.js';
import { median } from './lib/stats.js';
import { createTopic, produce } from './lib/workloads.js';
import { numberOptions } from './lib/args.js';

const args = process.argv.slice(2);
const opt = numberOptions(args);
const consumers = opt('consumers', 1000);
const workers = Math.min(consumers, opt('workers', 4));
const seconds = opt('seconds', 60);
const partitions = opt('partitions', 4);
const mib = opt('mib', 64);
const size = opt('size', 16 * 1024);
const maxBytesKiB = opt('max-bytes-kib', 1024);
const brokerInFlightMiB = opt('broker-in-flight-mib', 0);
const timeoutS = opt('timeout', 900);
const MiB = 1024 * 1024;
const records = Math.ceil((mib * MiB) / size / partitions) * partitions;
const topic = 'memory';
/** The broker's default tailCacheTotalBytes. */
const TAIL_CACHE_MIB = 256;

const children: ChildProcess[] = [];
const deadline = setTimeout(() => {
  process.stderr.write(`memory-consumers: not done after ${timeoutS} s, stopping\n`);
  for (const child of children) child.kill('SIGKILL');
  process.exit(2);
}, timeoutS * 1000);
deadline.unref();

const settle = (ms = 1000) => new Promise((resolve) => setTimeout(resolve, ms));
const show = (what: string, value: number) =>
  process.stdout.write(`${what}: RSS ${value.toFixed(0)} MiB (load ${load()})\n`);

interface Worker {
  child: ChildProcess;
  bytes: number;
  records: number;
  next(type: string, timeoutMs: number): Promise<void>;
}

function startWorker(): Worker {
  const child = fork(join(import.meta.dirname, 'lib', 'memory-consumers-worker.ts'), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.push(child);
  const waiting = new Map<string, { resolve(): void; reject(err: Error): void }>();
  const worker: Worker = {
    child,
    bytes: 0,
    records: 0,
    next: (type, timeoutMs) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`worker sent no ${type} within ${timeoutMs} ms`)), timeoutMs);
        waiting.set(type, {
          resolve() {
            clearTimeout(timer);
            resolve();
          },
          reject(err) {
            clearTimeout(timer);
            reject(err);
          },
        });
      }),
  };
  // A worker that dies fails what is waited for at once, instead of at the timeout.
  child.once('exit', (code) => {
    for (const [type, wait] of waiting) wait.reject(new Error(`worker exited (${code}) before sending ${type}`));
  });
  child.on('message', (message: { type: string; bytes?: number; records?: number }) => {
    if (message.type === 'progress') {
      worker.bytes = message.bytes!;
      worker.records = message.records!;
    }
    waiting.get(message.type)?.resolve();
  });
  return worker;
}

// Every consumer connects from 127.0.0.1: the broker's per-address limit (default 1,000) is raised so that
// none is refused. A frame may not be larger than the in-flight budget it is read into.
const brokerConfig: Record<string, number> = { maxConnectionsPerAddress: 100_000, maxConnections: 100_000 };
if (brokerInFlightMiB > 0) {
  brokerConfig.maxInFlightBytes = brokerInFlightMiB * MiB;
  brokerConfig.maxFrameBytes = Math.min(100 * MiB, brokerInFlightMiB * MiB);
}
const configPath = join(tmpdir(), `sluice-memory-consumers-${process.pid}.json`);
writeFileSync(configPath, JSON.stringify(brokerConfig));
const broker = await startBrokerProcess({
  flush: 'os',
  nofile: 65_536,
  extraArgs: ['--config', configPath],
});
const pid = broker.child.pid!;
try {
  await settle();
  const empty = rssMiB(pid);
  show('empty broker', empty);
  await createTopic(broker, topic, partitions);
  const produced = await produce(broker, topic, records, size, { partitions });
  await settle();
  const afterProduce = rssMiB(pid);
  show(`after ${records} records of ${size} B (${mib} MiB, ${(produced / 1000).toFixed(1)} k rec/s)`, afterProduce);

  const consumerConfig =
    maxBytesKiB > 0 ? { maxBytes: maxBytesKiB * 1024, maxBytesPerPartition: maxBytesKiB * 1024 } : {};
  const pool = Array.from({ length: workers }, startWorker);
  const t0 = performance.now();
  await Promise.all(
    pool.map((w, i) => {
      const count = Math.floor(consumers / workers) + (i < consumers % workers ? 1 : 0);
      const ready = w.next('ready', (timeoutS * 1000) / 2);
      w.child.send({
        type: 'start',
        count,
        address: broker.address,
        topic,
        partitions,
        recordsPerPartition: records / partitions,
        consumerConfig,
      });
      return ready;
    }),
  );
  await settle();
  const connected = rssMiB(pid);
  show(`${consumers} consumers connected in ${((performance.now() - t0) / 1000).toFixed(1)} s`, connected);

  const samples: number[] = [];
  const cpu0 = cpuSecondsOf(pid);
  const started = performance.now();
  for (const w of pool) w.child.send({ type: 'go' });
  while (performance.now() - started < seconds * 1000) {
    await settle(200);
    samples.push(rssMiB(pid));
  }
  const elapsed = (performance.now() - started) / 1000;
  const brokerCpu = cpuSecondsOf(pid) - cpu0;
  await Promise.all(
    pool.map(async (w) => {
      if (w.child.exitCode !== null) return;
      const exited = new Promise((resolve) => w.child.once('exit', resolve));
      w.child.send({ type: 'stop' });
      await Promise.race([exited, settle(60_000)]);
      w.child.kill('SIGKILL');
    }),
  );
  const replayed = pool.reduce((sum, w) => sum + w.bytes, 0);
  const replayedRecords = pool.reduce((sum, w) => sum + w.records, 0);
  const peak = Math.max(...samples);
  show(`replaying, median of ${samples.length} samples`, median(samples));
  show('replaying, peak', peak);
  process.stdout.write(
    `replayed ${(replayed / MiB).toFixed(0)} MiB (${replayedRecords} records) in ${elapsed.toFixed(1)} s: ` +
      `${(replayed / MiB / elapsed).toFixed(1)} MiB/s by all consumers together; broker CPU ${brokerCpu.toFixed(1)} s\n`,
  );
  // The bound the broker's settings give (bench/RESULTS.md, "1,000 consumers replaying"): the empty broker,
  // the in-flight budget, one batch beyond it per connection (a fetch over budget still returns its first
  // batch), the tail caches' and the read-buffer pool's own bounds (half the in-flight budget), and ~11 KiB
  // per idle connection.
  const inFlightMiB = brokerInFlightMiB > 0 ? brokerInFlightMiB : 256;
  const readPoolMiB = inFlightMiB / 2; // the free read buffers the broker keeps for reuse
  const batchMiB = (Math.max(1, Math.min(1000, Math.floor((256 * 1024) / size))) * size) / MiB;
  const bound = empty + inFlightMiB + consumers * batchMiB + TAIL_CACHE_MIB + readPoolMiB + consumers * (11 / 1024);
  process.stdout.write(
    `peak above the empty broker: ${(peak - empty).toFixed(0)} MiB; above the broker with the data and ` +
      `${consumers} idle connections: ${(peak - connected).toFixed(0)} MiB; bound ${bound.toFixed(0)} MiB ` +
      `(maxInFlightBytes ${inFlightMiB} MiB, batches of ${batchMiB.toFixed(2)} MiB): ${peak <= bound ? 'within' : 'OVER'}\n`,
  );
} finally {
  for (const child of children) child.kill('SIGKILL');
  await broker.stop();
  rmSync(configPath, { force: true });
}
process.exit(0);
