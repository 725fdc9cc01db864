// Start-up and topic creation at partition scale, without the produce phase of bench/scale.ts:
//   node --import tsx bench/scale-startup.ts prepare <dir> [--partitions 10000] [--create-only] [--crash] [--bin <sluice.js>]
//        creates the topic (timed), writes one send of 100 records to every partition, stops cleanly (timed)
//        (--create-only: creates, then SIGKILL, removes the dir; --crash: SIGKILLs the broker after the writes,
//        so the next start is a crash recovery; --bin: another build's dist/bin/sluice.js)
//   node --import tsx bench/scale-startup.ts start <dir> [--runs 3] [--floor] [--vs <sluice.js> <dir2>]
//        spawn → listening on that data dir, then SIGTERM (timed), `--runs` times. In each round, alternating
//        which goes first: --vs starts another build on its own data directory (prepared the same way, by
//        that build), --floor starts this build on an empty data directory (Node and the broker's modules,
//        nothing to open). Prints every run, the medians, and the median of the per-round ratios.
//   node --import tsx bench/scale-startup.ts crash-after-start <dir> [--touch 100] [--runs 3] [--vs <sluice.js> <dir2>]
//        on a directory `prepare` left cleanly stopped: a clean start, one send (acks=1) to each of the first
//        `--touch` partitions, SIGKILL, then the crash restart (timed as `start` times a start) and a clean
//        stop, `--runs` times; --vs does the same with another build on its own directory.
// Every broker gets its Kafka listener on a free port (the default 9092 may be taken on a shared machine).
// SLUICE_BENCH_CPU_PROF=<dir> profiles the broker (bench/lib/broker-process.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sluice } from '../src/index.js';
import { type BrokerProcess, startBrokerProcess } from './lib/broker-process.js';
import { cpuSecondsOf, load, rssMiB } from './lib/proc.js';
import { median } from './lib/stats.js';
import { produce } from './lib/workloads.js';
import { numberOptions } from './lib/args.js';

const [mode, dir] = process.argv.slice(2);
const args = process.argv.slice(4);
const opt = numberOptions(args);
const text = (name: string, at = 1) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + at] : undefined);
if (!dir || (mode !== 'prepare' && mode !== 'start' && mode !== 'crash-after-start'))
  throw new Error(
    'usage: scale-startup.ts prepare|start|crash-after-start <dataDir> [--partitions N] [--runs N] [--floor] [--touch N] [--vs <bin> <dir>]',
  );
const NOFILE = 65_536;
const KAFKA = ['--kafka-port', '0'];
const cpuMs = (pid: number) => Math.round(cpuSecondsOf(pid) * 1000);

function startBroker(dataDir: string, bin?: string): Promise<BrokerProcess> {
  return startBrokerProcess({ flush: 'os', dataDir, nofile: NOFILE, listenTimeoutMs: 300_000, extraArgs: KAFKA, bin });
}

if (mode === 'prepare') {
  const partitions = opt('partitions', 10_000);
  const broker = await startBroker(dir, text('bin'));
  try {
    const admin = new Sluice({
      clientId: 'bench-scale',
      brokers: [broker.address],
      logLevel: 0,
      requestTimeout: 600_000,
    }).admin();
    await admin.connect();
    const t0 = performance.now();
    const cpu0 = cpuMs(broker.child.pid!);
    await admin.createTopics({ topics: [{ topic: 't', numPartitions: partitions }], timeout: 600_000 });
    process.stdout.write(
      `created ${partitions} partitions in ${(performance.now() - t0).toFixed(0)} ms, broker CPU ${cpuMs(broker.child.pid!) - cpu0} ms, RSS ${rssMiB(broker.child.pid!).toFixed(0)} MiB (load ${load()})\n`,
    );
    await admin.disconnect();
    if (!args.includes('--create-only')) {
      await produce(broker, 't', partitions * 100, 100, { partitions, perSend: 100 });
      process.stdout.write(`after one send to each: RSS ${rssMiB(broker.child.pid!).toFixed(0)} MiB\n`);
    }
  } finally {
    const t0 = performance.now();
    // --create-only: measure creation alone; the broker is killed (its data dir is then only good for another crash test).
    if (args.includes('--crash')) {
      const exited = new Promise((resolve) => broker.child.once('exit', resolve));
      broker.child.kill('SIGKILL');
      await exited;
    } else
      await broker.stop({
        keepData: !args.includes('--create-only'),
        graceMs: args.includes('--create-only') ? 0 : 300_000,
      });
    process.stdout.write(`SIGTERM → exit ${(performance.now() - t0).toFixed(0)} ms\n`);
  }
} else {
  interface Side {
    name: string;
    dir: () => string;
    bin?: string;
    done?: (dir: string) => void;
    wall: number[];
    cpu: number[];
  }
  const sides: Side[] = [{ name: 'this build', dir: () => dir, wall: [], cpu: [] }];
  const vsBin = text('vs');
  if (vsBin) sides.push({ name: 'vs', dir: () => text('vs', 2)!, bin: vsBin, wall: [], cpu: [] });
  if (args.includes('--floor'))
    sides.push({
      name: 'empty dir',
      dir: () => mkdtempSync(join(tmpdir(), 'sluice-floor-')),
      done: (d) => rmSync(d, { recursive: true, force: true }),
      wall: [],
      cpu: [],
    });
  const runs = opt('runs', 3);
  const touch = mode === 'crash-after-start' ? opt('touch', 100) : 0;
  for (let run = 0; run < runs; run++) {
    const order = run % 2 === 0 ? sides : [...sides].reverse();
    for (const side of order) {
      const dataDir = side.dir();
      if (touch > 0) {
        const before = await startBroker(dataDir, side.bin);
        const t0 = performance.now();
        await produce(before, 't', touch * 100, 100, { partitions: touch, perSend: 100 });
        process.stdout.write(
          `run ${run + 1} ${side.name}: one send to each of ${touch} partitions after the clean start ${(performance.now() - t0).toFixed(0)} ms\n`,
        );
        const exited = new Promise((resolve) => before.child.once('exit', resolve));
        before.child.kill('SIGKILL');
        await exited;
      }
      const broker = await startBroker(dataDir, side.bin);
      const pid = broker.child.pid!;
      side.wall.push(broker.startMs);
      side.cpu.push(broker.startCpuSeconds * 1000);
      process.stdout.write(
        `run ${run + 1} ${side.name}${touch > 0 ? ` (crash restart, ${touch} partitions written since the clean start)` : ''}: spawn → listening ${broker.startMs.toFixed(0)} ms, broker CPU ${(broker.startCpuSeconds * 1000).toFixed(0)} ms (${cpuMs(pid)} ms once idle), RSS ${rssMiB(pid).toFixed(0)} MiB (load ${load()})\n`,
      );
      const t0 = performance.now();
      await broker.stop({ keepData: true, graceMs: 300_000 });
      process.stdout.write(`  SIGTERM → exit ${(performance.now() - t0).toFixed(0)} ms\n`);
      side.done?.(dataDir);
    }
  }
  for (const side of sides)
    process.stdout.write(
      `${side.name}: median spawn → listening ${median(side.wall).toFixed(0)} ms, CPU to listening ${median(side.cpu).toFixed(0)} ms\n`,
    );
  for (const side of sides.slice(1)) {
    const ratio = (a: number[], b: number[]) => median(a.map((v, i) => v / b[i]!)).toFixed(2);
    process.stdout.write(
      `this build / ${side.name}, median of the rounds' ratios: wall ${ratio(sides[0]!.wall, side.wall)}, CPU ${ratio(sides[0]!.cpu, side.cpu)}\n`,
    );
  }
  process.stdout.write(`load ${load()}\n`);
}
