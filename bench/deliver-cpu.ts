// The consumer's own per-record cost without network or broker: the runner (src/client/consumer/runner.ts)
// decoding and delivering fetched bytes to eachBatch or eachMessage, fed 8 MiB fetch responses of 100 B
// records, in one process, from a cold start (the JIT's warm-up is part of what a replay of 1 M records
// pays). Prints CPU ns per record for the whole run and for its second half (warmed up).
//   node --initial-old-space-size=128 --import tsx bench/deliver-cpu.ts [--mode eachBatch|eachMessage]
//     [--records 2000000] [--checkout <dir>: run that checkout's runner instead of this one's]
//     [--reuse-buffers: the consumer's reuseFetchBuffers (records viewed in the response, not copied out)]
//     [--size 100: value bytes per record; batches hold 256 KiB of records, as bench/lib/workloads.ts's producer sends them]
// For before/after pairs run it alternately with and without --checkout (each run its own process).
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildRecordBatchSync } from '../src/records/batch.js';
import type { PartitionState as PartitionStateType } from '../src/client/consumer/partition-state.js';
import type { Runner as RunnerType } from '../src/client/consumer/runner.js';
import { textOptions } from './lib/args.js';

const args = process.argv.slice(2);
const opt = textOptions(args);
const mode = opt('mode', 'eachBatch');
const records = Number(opt('records', '2000000'));
const root = resolve(opt('checkout', '.'));
const load = async <T>(path: string): Promise<T> => (await import(pathToFileURL(resolve(root, path)).href)) as T;
const { Runner } = await load<{ Runner: typeof RunnerType }>('src/client/consumer/runner.ts');
const { PartitionState } = await load<{ PartitionState: typeof PartitionStateType }>(
  'src/client/consumer/partition-state.ts',
);

// One response: batches of 2,600 records of 100 B (what bench/quick.ts's producer sends), ~8 MiB.
const size = Number(opt('size', '100'));
const PER_BATCH = size === 100 ? 2600 : Math.max(1, Math.floor((256 * 1024) / size));
const value = Buffer.alloc(size, 0x61);
const batchTemplate = buildRecordBatchSync(
  Array.from({ length: PER_BATCH }, () => ({ key: null, value, timestamp: Date.now() })),
);
const batchesPerResponse = Math.floor((8 * 1024 * 1024) / batchTemplate.length);
const perResponse = batchesPerResponse * PER_BATCH;

/**
 * Response buffers, built once and reused in turn with their base offsets patched (a buffer is reused
 * only long after its messages were delivered). Fresh buffers per response would measure the kernel's
 * page faults of new memory, which is the connection's cost (src/client/connection.ts), not the runner's.
 */
const responses = Array.from({ length: 4 }, () => {
  const bytes = Buffer.allocUnsafe(batchTemplate.length * batchesPerResponse);
  for (let b = 0; b < batchesPerResponse; b++) batchTemplate.copy(bytes, b * batchTemplate.length);
  return bytes;
});
let used = 0;
function response(baseOffset: number): Buffer {
  const whole = responses[used++ % responses.length]!;
  for (let b = 0; b < batchesPerResponse; b++)
    whole.writeBigInt64BE(BigInt(baseOffset + b * PER_BATCH), b * batchTemplate.length);
  // A view per response, as a fetch response's records are a view of its frame.
  return whole.subarray(0, whole.length);
}

const state = new PartitionState('t', 0);
state.seek(0);
let fetched = 0;
/** Keeps two responses buffered, as the fetcher's prefetch does. */
function refill(): void {
  while (state.buffered.length < 2 && fetched < records) {
    const bytes = response(fetched);
    state.buffered.push({
      epoch: state.epoch,
      bytes,
      pos: 0,
      end: bytes.length,
      fromOffset: fetched,
      highWatermark: records,
      aborted: null,
      release: null,
      aliased: false,
    });
    state.bufferedBytes += bytes.length;
    fetched += perResponse;
  }
}

let seen = 0;
let half = 0;
let halfCpu: NodeJS.CpuUsage | null = null;
let resolveDone!: () => void;
const done = new Promise<void>((r) => (resolveDone = r));
const count = (n: number) => {
  seen += n;
  if (halfCpu === null && seen >= records / 2) {
    half = seen;
    halfCpu = process.cpuUsage();
  }
  if (seen >= records) resolveDone();
};
const config =
  mode === 'eachMessage'
    ? { eachMessage: async () => count(1) }
    : { eachBatch: async ({ batch }: { batch: { messages: unknown[] } }) => count(batch.messages.length) };
const noop = () => {};
const runner = new Runner(config as never, {
  logger: { error: noop, warn: noop, info: noop, debug: noop } as never,
  retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 1000, factor: 0.2, multiplier: 2 } as never,
  source: { heartbeat: async () => {}, isStale: () => false } as never,
  wakeFetcher: refill,
  pausePartition: () => noop,
  commitIfNecessary: async () => {},
  commitAfterFetch: () => {},
  uncommittedOffsets: () => ({ topics: [] }),
  onCrash: (error) => {
    throw error;
  },
  checkCrcs: false,
  // The default: small records copied out of the response as they are decoded (--reuse-buffers: viewed in place).
  reuseFetchBuffers: args.includes('--reuse-buffers'),
  events: { listening: () => false, emit: noop } as never,
});
refill();
const start = process.cpuUsage();
runner.start([state as never]);
await done;
const end = process.cpuUsage();
await runner.stop();
const ns = (from: NodeJS.CpuUsage, n: number) => ((end.user - from.user + end.system - from.system) * 1000) / n;
process.stdout.write(
  `${mode} ${root === resolve('.') ? 'this' : root}: ${ns(start, seen).toFixed(0)} ns/record over ${seen} records, second half ${ns(halfCpu!, seen - half).toFixed(0)} ns/record\n`,
);
