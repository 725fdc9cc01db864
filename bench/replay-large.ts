// Replay of large records against the loopback limit measured in the same run (issue 6: "64 KiB+ batches
// within 50 % of the loopback limit"). For each record size, a fresh `sluice serve` (flush os) gets
// ≥ 1 GiB of records produced into one partition, then one consumer (eachBatch) replays them from the
// beginning; CPU of the broker process and of this client process is reported per MiB.
//   node --import tsx bench/replay-large.ts [--short] [--write] [--runs N] [--mib 1024] [--sizes 65536,1048576]
//     [--defaults (SDK default fetch sizes instead of the replay benches' 8 MiB / 32 MiB)] [--check-crcs (consumer verifies CRCs)]
//     [--reuse-buffers (the consumer's reuseFetchBuffers: responses read into reused memory)]
//     [--consumer (the consumer in a process of its own: its CPU, page faults, peak RSS and GC pauses alone)]
//     [--max-bytes N (the consumer's maxBytes, other fetch sizes left at their defaults)]
//     [--no-push (pushWhenCaughtUp false: plain fetches only, no FetchPush stream)]
//     [--consumer-glibc-tunables T (--consumer only: GLIBC_TUNABLES=T for the consumer process alone, e.g.
//      glibc.malloc.trim_threshold=268435456:glibc.malloc.mmap_threshold=33554432 to keep freed frames' pages)]
//     [--timeline [ms] (the replay's delivery per slice of 50 ms or the given ms from its first record: MiB/s and the
//      consumer's page faults, printed after each run: start-up apart from the steady state)]
//     [--cold (the page cache dropped after producing: the replay reads the segment files from the disk; needs
//      root, to write /proc/sys/vm/drop_caches)]
//     [--floors (also the file floors of loopback.ts after the first limit: a file's bytes sent to a reader by
//      bare Node code, read into one reused buffer, into a new buffer per read, and with each record copied out)]
// SLUICE_BENCH_CLIENT_PROF=<dir> profiles the client during the replays; SLUICE_BENCH_CPU_PROF=<dir> the broker.
import { execFileSync, fork } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SERVE_NODE_FLAGS, startBrokerProcess } from './lib/broker-process.js';
import { profiled } from './lib/client-profile.js';
import { DeliveryTimeline, formatTimeline, type TimelineSlice } from './lib/delivery-timeline.js';
import { describeCommit, describeMachine, today } from './lib/machine.js';
import { clientExecArgv, cpuSecondsOf, load, threadCpuOf } from './lib/proc.js';
import { table, writeResultsSection } from './lib/results.js';
import { median } from './lib/stats.js';
import { createTopic, produce, replay, REPLAY_FETCH } from './lib/workloads.js';
import { describeFloorReader, type FloorReader, measureFileFloor, measureLoopback } from './loopback.js';
import { textOptions } from './lib/args.js';

const args = process.argv.slice(2);
const opt = textOptions(args);
const short = args.includes('--short');
const write = args.includes('--write');
const runs = Number(opt('runs', short ? '1' : '3'));
const mib = Number(opt('mib', short ? '256' : '1024'));
const sizes = opt('sizes', '65536,1048576').split(',').map(Number);
const fetchSizes = args.includes('--defaults') ? {} : REPLAY_FETCH;
const consumerConfig: Record<string, number | boolean> = {
  ...fetchSizes,
  ...(args.includes('--check-crcs') ? { checkCrcs: true } : {}),
  ...(args.includes('--reuse-buffers') ? { reuseFetchBuffers: true } : {}),
  ...(args.includes('--max-bytes') ? { maxBytes: Number(opt('max-bytes', '0')) } : {}),
  ...(args.includes('--no-push') ? { pushWhenCaughtUp: false } : {}),
};
const ownProcess = args.includes('--consumer');
// --timeline [ms]: the slice's length follows the flag when it is a number.
const timelineAt = args.indexOf('--timeline');
const timelineMs = timelineAt < 0 ? 0 : Number(args[timelineAt + 1]) > 0 ? Number(args[timelineAt + 1]) : 50;
const cold = args.includes('--cold');
const consumerTunables = args.includes('--consumer-glibc-tunables') ? opt('consumer-glibc-tunables', '') : undefined;
const MiB = 2 ** 20;

interface Point {
  size: number;
  records: number;
  mibPerSecond: number;
  /** --timeline: the replay's delivery per slice. */
  timeline?: TimelineSlice[];
  brokerCpuMsPerMiB: number;
  /** The broker's main thread (event loop: JavaScript and socket writes), user and system, ms per MiB. */
  brokerMainUserMsPerMiB: number;
  brokerMainSysMsPerMiB: number;
  /** The broker's other threads (libuv's pool: the preads of segment bytes), ms per MiB. */
  brokerPoolMsPerMiB: number;
  brokerFaultsPerMiB: number;
  /** Bytes the broker's read syscalls returned (its preads of segment files, mostly), per byte replayed. */
  brokerReadPerByte: number;
  clientCpuMsPerMiB: number;
  /** Of which in the kernel (socket reads, page faults). */
  clientSysMsPerMiB: number;
  /** The client's minor page faults per MiB (fresh buffer memory touched for the first time). */
  clientFaultsPerMiB: number;
  /** --consumer: the consumer process's peak resident memory (MiB); else undefined. */
  clientMaxRssMiB?: number;
  /** --consumer: Fetch requests, and the share of the replay during which one was out. */
  fetches?: number;
  fetchBusy?: number;
  /** --consumer: the consumer's GC pauses (ms per MiB) and its minor and major collections during the replay. */
  clientGcMsPerMiB?: number;
  minorGcs?: number;
  majorGcs?: number;
  load: string;
}

interface ClientFigures {
  rate: number;
  userMs: number;
  systemMs: number;
  faults: number;
  timeline?: TimelineSlice[];
  maxRssBytes?: number;
  fetches?: number;
  fetchBusy?: number;
  gcMs?: number;
  minorGcs?: number;
  majorGcs?: number;
}

/** Replays in this process (the CPU and faults of this process during the replay). */
async function replayHere(broker: Awaited<ReturnType<typeof startBrokerProcess>>, records: number, size: number) {
  const client0 = process.cpuUsage();
  const faults0 = process.resourceUsage().minorPageFault;
  const timeline = timelineMs > 0 ? new DeliveryTimeline(timelineMs) : null;
  const rate = await profiled(`replay-${size}`, () =>
    replay(broker, 't', records, 'eachBatch', consumerConfig, timeline ? { onDelivered: timeline.delivered } : {}),
  );
  const c = process.cpuUsage(client0);
  const faults = process.resourceUsage().minorPageFault - faults0;
  return {
    rate,
    userMs: c.user / 1000,
    systemMs: c.system / 1000,
    faults,
    ...(timeline ? { timeline: timeline.finish() } : {}),
  };
}

/** Replays in a consumer process of its own (bench/lib/replay-large-consumer.ts). */
function replayInChild(address: string, records: number, size: number): Promise<ClientFigures> {
  const child = fork(join(import.meta.dirname, 'lib', 'replay-large-consumer.ts'), [], {
    execArgv: clientExecArgv(),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    ...(consumerTunables !== undefined ? { env: { ...process.env, GLIBC_TUNABLES: consumerTunables } } : {}),
  });
  return new Promise((resolve, reject) => {
    child.once('message', (figures) => resolve(figures as ClientFigures));
    child.once('exit', (code) => reject(new Error(`replay consumer exited (${code})`)));
    child.send({ address, topic: 't', records, size, config: consumerConfig, timelineMs });
  });
}

/** Bytes a process's read syscalls returned so far (files and sockets), from /proc/<pid>/io. */
function readCharsOf(pid: number): number {
  return Number(/^rchar: (\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))![1]);
}

/** A process's minor page faults so far, from /proc/<pid>/stat. */
function minorFaultsOf(pid: number): number {
  return Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[7]);
}

/** --cold: written pages to the disk, then every clean page out of the page cache (root only). */
function dropPageCache(): void {
  execFileSync('sync');
  try {
    writeFileSync('/proc/sys/vm/drop_caches', '1');
  } catch (error) {
    throw new Error(`--cold needs root to drop the page cache: ${(error as Error).message}`);
  }
}

async function replayPoint(size: number): Promise<Point> {
  const records = Math.ceil((mib * MiB) / size);
  const broker = await startBrokerProcess({ flush: 'os' });
  try {
    // Batches of 1 MiB records are just over the default max.message.bytes (1 MiB + 12): raise it.
    await createTopic(broker, 't', 1, { 'max.message.bytes': String(Math.max(4 * MiB, 2 * size)) });
    await produce(broker, 't', records, size);
    if (cold) dropPageCache();
    const pid = broker.child.pid!;
    const broker0 = cpuSecondsOf(pid);
    const threads0 = threadCpuOf(pid);
    const brokerFaults0 = minorFaultsOf(pid);
    const brokerRead0 = readCharsOf(pid);
    const c: ClientFigures = ownProcess
      ? await replayInChild(broker.address, records, size)
      : await replayHere(broker, records, size);
    const total = (records * size) / MiB;
    const threads = threadCpuOf(pid);
    return {
      size,
      records,
      mibPerSecond: (c.rate * size) / MiB,
      brokerCpuMsPerMiB: ((cpuSecondsOf(pid) - broker0) * 1000) / total,
      brokerMainUserMsPerMiB: ((threads.mainUser - threads0.mainUser) * 1000) / total,
      brokerMainSysMsPerMiB: ((threads.mainSystem - threads0.mainSystem) * 1000) / total,
      brokerPoolMsPerMiB:
        ((threads.othersUser + threads.othersSystem - threads0.othersUser - threads0.othersSystem) * 1000) / total,
      brokerFaultsPerMiB: (minorFaultsOf(pid) - brokerFaults0) / total,
      brokerReadPerByte: (readCharsOf(pid) - brokerRead0) / (records * size),
      clientCpuMsPerMiB: (c.userMs + c.systemMs) / total,
      clientSysMsPerMiB: c.systemMs / total,
      clientFaultsPerMiB: c.faults / total,
      ...(c.maxRssBytes !== undefined ? { clientMaxRssMiB: c.maxRssBytes / MiB } : {}),
      ...(c.fetches !== undefined ? { fetches: c.fetches, fetchBusy: c.fetchBusy } : {}),
      ...(c.gcMs !== undefined ? { clientGcMsPerMiB: c.gcMs / total, minorGcs: c.minorGcs, majorGcs: c.majorGcs } : {}),
      ...(c.timeline ? { timeline: c.timeline } : {}),
      load: load(),
    };
  } finally {
    await broker.stop();
  }
}

const loopbacks: number[] = [];
const rows: Array<Array<string | number>> = [];
const started = performance.now();
loopbacks.push(await measureLoopback(short ? 2 : 3));
process.stdout.write(`loopback: ${loopbacks[0]!.toFixed(0)} MiB/s (load ${load()})\n`);
/** --floors: what bare Node code reaches with a file's bytes, taken by the reader in each of the ways FloorReader names. */
const floors: Array<{ reader: FloorReader; mibPerSecond: number; readerMsPerMib: number }> = [];
if (args.includes('--floors')) {
  const readers: FloorReader[] = [
    { kind: 'reused' },
    { kind: 'fresh' },
    ...sizes.map((recordBytes): FloorReader => ({ kind: 'copied', recordBytes })),
    ...sizes.map((recordBytes): FloorReader => ({ kind: 'direct', recordBytes })),
  ];
  for (const reader of readers) {
    const floor = await measureFileFloor(short ? 2 : 3, reader);
    floors.push({ reader, mibPerSecond: floor.mibPerSecond, readerMsPerMib: floor.receiverMsPerMib });
    process.stdout.write(
      `file floor, ${describeFloorReader(reader)}: ${floor.mibPerSecond.toFixed(0)} MiB/s ` +
        `(sender ${floor.senderMsPerMib.toFixed(2)}, reader ${floor.receiverMsPerMib.toFixed(2)} CPU ms/MiB; load ${load()})\n`,
    );
  }
}
for (const size of sizes) {
  const points: Point[] = [];
  for (let run = 0; run < runs; run++) {
    const p = await replayPoint(size);
    points.push(p);
    process.stdout.write(
      `${size / 1024} KiB × ${p.records}: ${p.mibPerSecond.toFixed(0)} MiB/s; CPU ms per MiB broker ${p.brokerCpuMsPerMiB.toFixed(2)} (main thread user ${p.brokerMainUserMsPerMiB.toFixed(2)} + system ${p.brokerMainSysMsPerMiB.toFixed(2)}, other threads ${p.brokerPoolMsPerMiB.toFixed(2)}; ${p.brokerFaultsPerMiB.toFixed(0)} faults/MiB; read ${p.brokerReadPerByte.toFixed(2)} bytes per byte), client ${p.clientCpuMsPerMiB.toFixed(2)} (of which system ${p.clientSysMsPerMiB.toFixed(2)}), client page faults per MiB ${p.clientFaultsPerMiB.toFixed(0)}${p.clientMaxRssMiB !== undefined ? `, consumer peak RSS ${p.clientMaxRssMiB.toFixed(0)} MiB, ${p.fetches} fetches out ${((p.fetchBusy ?? 0) * 100).toFixed(0)} % of the time` : ''}${p.clientGcMsPerMiB !== undefined ? `, consumer GC pauses ${p.clientGcMsPerMiB.toFixed(2)} ms/MiB (${p.minorGcs} minor, ${p.majorGcs} major)` : ''} (load ${p.load})\n`,
    );
    if (p.timeline) process.stdout.write(`${formatTimeline(p.timeline, size)}\n`);
  }
  // The limit again after each size: the shared machine's load drifts during the run.
  loopbacks.push(await measureLoopback(short ? 2 : 3));
  const limit = median(loopbacks);
  const rate = median(points.map((p) => p.mibPerSecond));
  rows.push([
    `${size / 1024} KiB`,
    points[0]!.records.toLocaleString('en-US'),
    `${rate.toFixed(0)} MiB/s`,
    `${((rate / limit) * 100).toFixed(0)} %`,
    median(points.map((p) => p.brokerCpuMsPerMiB)).toFixed(2),
    median(points.map((p) => p.clientCpuMsPerMiB)).toFixed(2),
    median(points.map((p) => p.clientFaultsPerMiB)).toFixed(0),
    ownProcess ? median(points.map((p) => p.clientMaxRssMiB!)).toFixed(0) : '—',
    points[points.length - 1]!.load,
  ]);
}
const limit = median(loopbacks);
const output = [
  `Date ${today()}, commit ${describeCommit()}, machine: ${describeMachine()}.`,
  `Command: \`node --import tsx bench/replay-large.ts${short ? ' --short' : ''}${args.includes('--defaults') ? ' --defaults' : ''}${args.includes('--reuse-buffers') ? ' --reuse-buffers' : ''}${ownProcess ? ' --consumer' : ''}${args.includes('--no-push') ? ' --no-push' : ''}${args.includes('--floors') ? ' --floors' : ''}${cold ? ' --cold' : ''}${args.includes('--max-bytes') ? ` --max-bytes ${opt('max-bytes', '')}` : ''}${consumerTunables !== undefined ? ` --consumer-glibc-tunables ${consumerTunables}` : ''}${timelineMs > 0 ? ` --timeline ${timelineMs}` : ''}${args.includes('--runs') ? ` --runs ${runs}` : ''}${args.includes('--mib') ? ` --mib ${mib}` : ''}${args.includes('--sizes') ? ` --sizes ${sizes.join(',')}` : ''} --write\` (took ${((performance.now() - started) / 1000).toFixed(0)} s). ` +
    `Broker = \`sluice serve\` (built binary), flush os, a fresh one per run; ${mib} MiB produced into one partition${cold ? ' (then the page cache dropped: the replay reads from the disk)' : ''}, then replayed from the beginning ` +
    `by one consumer (eachBatch, ${args.includes('--defaults') ? 'SDK default fetch sizes' : 'maxBytesPerPartition 8 MiB, maxBytes 32 MiB'}${args.includes('--check-crcs') ? ', checkCrcs' : ''}${args.includes('--reuse-buffers') ? ', reuseFetchBuffers' : ''}) ${ownProcess ? 'in a process of its own' : 'in the bench process'}. Medians of ${runs} run(s). ` +
    `Node flags: broker \`${(process.env.SLUICE_BENCH_BROKER_NODE_ARGS ?? SERVE_NODE_FLAGS.join(' ')) || 'none'}\`, client \`${process.execArgv.filter((a) => !a.includes('tsx') && a !== '--import').join(' ') || 'none'}\`.`,
  '',
  `Loopback limit in the same run (64 KiB writes between two Node processes, median of ${loopbacks.length}): **${limit.toFixed(0)} MiB/s**.`,
  ...(floors.length > 0
    ? [
        '',
        `File floors in the same run (bench/loopback.ts \`measureFileFloor\`: 2 MiB reads of a file in the page cache written to a reader in another process by bare Node code): ` +
          floors
            .map(
              (f) =>
                `${describeFloorReader(f.reader)} ${f.mibPerSecond.toFixed(0)} MiB/s (${((f.mibPerSecond / limit) * 100).toFixed(0)} % of the limit; reader ${f.readerMsPerMib.toFixed(2)} CPU ms/MiB)`,
            )
            .join('; ') +
          '.',
      ]
    : []),
  '',
  table(
    [
      'record',
      'records',
      'replay',
      'vs loopback',
      'broker CPU ms/MiB',
      'client CPU ms/MiB',
      'client faults/MiB',
      'consumer peak RSS MiB',
      'load',
    ],
    rows,
  ),
].join('\n');
process.stdout.write(`\n${output}\n`);
if (write) writeResultsSection('Replay of large records', output);
