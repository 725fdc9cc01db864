// Start-up and topic creation at partition scale, without the produce phase of bench/scale.ts:
//   node --import tsx bench/scale-startup.ts prepare <dir> [--partitions 10000] [--create-only]   creates the topic (timed),
//        writes one send of 100 records to every partition, stops cleanly (--create-only: creates, then SIGKILL, removes the dir;
//        --crash: SIGKILLs the broker after the writes, so the next start is a crash recovery)
//   node --import tsx bench/scale-startup.ts start <dir> [--runs 3]               spawn → listening on that data dir, then SIGTERM
// SLUICE_BENCH_CPU_PROF=<dir> profiles the broker (bench/lib/broker-process.ts).
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { Sluice } from '../src/index.js';
import { startBrokerProcess } from './lib/broker-process.js';
import { median } from './lib/stats.js';
import { produce } from './lib/workloads.js';

const [mode, dir] = process.argv.slice(2);
const args = process.argv.slice(4);
const opt = (name: string, fallback: number) =>
  args.includes(`--${name}`) ? Number(args[args.indexOf(`--${name}`) + 1]) : fallback;
if (!dir || (mode !== 'prepare' && mode !== 'start'))
  throw new Error('usage: scale-startup.ts prepare|start <dataDir> [--partitions N] [--runs N]');
const load = () => loadavg()[0]!.toFixed(1);
const NOFILE = 65_536;
/** CPU ms (user + system) the broker process has used: steadier than wall time on a shared machine. */
const cpuMs = (pid: number) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
};

if (mode === 'prepare') {
  const partitions = opt('partitions', 10_000);
  const broker = await startBrokerProcess({ flush: 'os', dataDir: dir, nofile: NOFILE });
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
      `created ${partitions} partitions in ${(performance.now() - t0).toFixed(0)} ms, broker CPU ${cpuMs(broker.child.pid!) - cpu0} ms (load ${load()})\n`,
    );
    await admin.disconnect();
    if (!args.includes('--create-only'))
      await produce(broker, 't', partitions * 100, 100, { partitions, perSend: 100 });
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
  const times: number[] = [];
  for (let run = 0; run < opt('runs', 3); run++) {
    const broker = await startBrokerProcess({ flush: 'os', dataDir: dir, nofile: NOFILE, listenTimeoutMs: 300_000 });
    times.push(broker.startMs);
    process.stdout.write(
      `run ${run + 1}: spawn → listening ${broker.startMs.toFixed(0)} ms, broker CPU ${cpuMs(broker.child.pid!)} ms (load ${load()})\n`,
    );
    const t0 = performance.now();
    await broker.stop({ keepData: true, graceMs: 300_000 });
    process.stdout.write(`  SIGTERM → exit ${(performance.now() - t0).toFixed(0)} ms\n`);
  }
  process.stdout.write(`median ${median(times).toFixed(0)} ms (load ${load()})\n`);
}
