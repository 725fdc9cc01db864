// The consumer of bench/replay-ab.ts in a process of its own (its SDK chosen by SLUICE_BENCH_SDK, so two
// checkouts alternate against one broker and one topic). IPC: the parent sends { address, ssl, topic,
// records, size, warmups }; the child replays the topic from the beginning `warmups` times (JIT, heap), then
// once more measured, timed from the first batch delivered to the last (the first batch's records not
// counted), and answers { rate, mibPerSecond, clientMsPerMib, userMs, systemMs, faults }.
// SLUICE_BENCH_AB_PERF=<file prefix>: `perf record -g` of this process during the measured replay only
// (run the parent with --perf-basic-prof so JIT frames get names), written to <prefix>-<kind>-<pid>.data;
// SLUICE_BENCH_AB_PERF_EVENT=page-faults (say) records that event instead of CPU samples.
import { spawn } from 'node:child_process';
import { profiled } from './client-profile.js';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SDK_PATH, sdk } from './sdk.js';

/** The SDK's frame pool (src/client/frame-pool.ts) beside its entry: frames reused and allocated. */
const { framePool } = (await import(pathToFileURL(join(dirname(SDK_PATH), 'frame-pool.js')).href)) as {
  framePool: { reused: number; allocated: number };
};

interface Start {
  address: string;
  ssl?: { ca: string };
  topic: string;
  records: number;
  size: number;
  warmups: number;
  mode: 'eachBatch' | 'eachMessage';
  /** Consumer settings over the replay benches' fetch sizes. */
  config: Record<string, unknown>;
}

async function replayOnce(start: Start) {
  const consumer = new sdk.Sluice({
    clientId: 'bench',
    brokers: [start.address],
    logLevel: 0,
    ...(start.ssl ? { ssl: start.ssl } : {}),
  }).consumer({ maxBytesPerPartition: 8 * 1024 * 1024, maxBytes: 32 * 1024 * 1024, ...start.config });
  await consumer.connect();
  await consumer.subscribe({ topic: start.topic, fromBeginning: true });
  let seen = 0;
  let first = 0;
  let t0 = 0;
  let cpu0 = process.cpuUsage();
  let faults0 = 0;
  let frames0 = { reused: 0, allocated: 0 };
  let resolveDone!: () => void;
  const done = new Promise<void>((resolve) => (resolveDone = resolve));
  const begin = (n: number) => {
    t0 = performance.now();
    cpu0 = process.cpuUsage();
    faults0 = process.resourceUsage().minorPageFault;
    frames0 = { reused: framePool.reused, allocated: framePool.allocated };
    first = n;
  };
  if (start.mode === 'eachBatch') {
    void consumer.run({
      eachBatch: async ({ batch }: { batch: { messages: unknown[] } }) => {
        if (t0 === 0) begin(batch.messages.length);
        seen += batch.messages.length;
        if (seen >= start.records) resolveDone();
      },
    });
  } else {
    void consumer.run({
      eachMessage: async () => {
        if (t0 === 0) begin(1);
        if (++seen >= start.records) resolveDone();
      },
    });
  }
  await done;
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const faults = process.resourceUsage().minorPageFault - faults0;
  await consumer.disconnect();
  const counted = start.records - first;
  const mib = (counted * start.size) / 2 ** 20;
  return {
    rate: counted / seconds,
    mibPerSecond: mib / seconds,
    clientMsPerMib: (cpu.user + cpu.system) / 1000 / mib,
    usPerRecord: (cpu.user + cpu.system) / counted,
    userMs: cpu.user / 1000,
    systemMs: cpu.system / 1000,
    faults,
    framesReused: framePool.reused - frames0.reused,
    framesAllocated: framePool.allocated - frames0.allocated,
  };
}

process.once('message', async (start: Start) => {
  for (let i = 0; i < start.warmups; i++) await replayOnce(start);
  const kind = start.ssl ? 'tls' : 'plain';
  const perfPrefix = process.env.SLUICE_BENCH_AB_PERF;
  const perf = perfPrefix
    ? spawn(
        'perf',
        [
          'record',
          ...(process.env.SLUICE_BENCH_AB_PERF_EVENT ? ['-e', process.env.SLUICE_BENCH_AB_PERF_EVENT] : ['-F', '1999']),
          '-g',
          '-p',
          String(process.pid),
          '-o',
          `${perfPrefix}-${kind}-${process.pid}.data`,
        ],
        {
          stdio: 'ignore',
        },
      )
    : null;
  if (perf) await new Promise((resolve) => setTimeout(resolve, 500));
  const result = await profiled(`ab-${kind}`, () => replayOnce(start));
  if (perf) {
    perf.kill('SIGINT');
    await new Promise((resolve) => perf.once('exit', resolve));
  }
  process.send!(result, () => process.disconnect());
});
