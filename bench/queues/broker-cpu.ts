// Broker CPU per acknowledged record, share groups: the built `sluice serve` in its own process, one
// one-partition topic pre-loaded, then N SDK share consumers (one share group, each on its own
// connection) whose handlers return at once. The figure is the broker process's CPU (user + system,
// /proc/<pid>/stat) from the first member starting until every record is settled on the broker, divided
// by the records, and the same for this process (the members, all threads); the rate beside it is
// acknowledged records/s over the same span. Runs are repeated and reported one by one (the machine is
// shared: compare medians, or alternate with another build).
//   node --import tsx bench/queues/broker-cpu.ts [--records N] [--members N] [--max-in-flight N]
//     [--flush always|interval:120000] [--runs N]
// SLUICE_BENCH_CPU_PROF=<dir> makes the broker write a V8 CPU profile there when it stops;
// SLUICE_BENCH_CLIENT_PROF=<dir> profiles the members' side of each run (bench/lib/client-profile.ts).
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { profiled } from '../lib/client-profile.js';
import { cpuSecondsOf } from '../lib/proc.js';
import { startSluice } from './sluice.js';

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}

const records = Number(flag('records', '10000'));
const members = Number(flag('members', '4'));
const maxInFlight = Number(flag('max-in-flight', '10'));
const flush = flag('flush', 'interval:120000') as 'always' | 'interval:120000';
const runs = Number(flag('runs', '1'));

/** CPU seconds (user + system) of each thread of a process, by thread name (same names summed). */
function threadCpu(pid: number): Map<string, number> {
  const byName = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const seconds = (Number(fields[11]) + Number(fields[12])) / 100;
      const key = tid === String(pid) ? 'main' : name;
      byName.set(key, (byName.get(key) ?? 0) + seconds);
    } catch {
      // the thread exited
    }
  }
  return byName;
}

/** CPU seconds in the kernel (system time) of a process, all threads. */
function cpuSystemOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[12]) / 100;
}

/**
 * Context switches of a process's main thread (/proc/<pid>/task/<pid>/status): voluntary ones are its sleeps
 * (an idle event loop waiting in epoll), involuntary ones the times the kernel took its core away.
 */
function switchesOf(pid: number): { voluntary: number; involuntary: number } {
  const status = readFileSync(`/proc/${pid}/task/${pid}/status`, 'utf8');
  return {
    voluntary: Number(/voluntary_ctxt_switches:\s+(\d+)/.exec(status)![1]),
    involuntary: Number(/nonvoluntary_ctxt_switches:\s+(\d+)/.exec(status)![1]),
  };
}

/** Sleeps and preemptions of a main thread per 100 records since `before`. */
function switchesPer100(pid: number, before: { voluntary: number; involuntary: number }): string {
  const after = switchesOf(pid);
  const per100 = (n: number) => ((n * 100) / records).toFixed(2);
  return `${per100(after.voluntary - before.voluntary)} sleeps + ${per100(after.involuntary - before.involuntary)} preemptions`;
}

const system = await startSluice(flush);
try {
  for (let run = 0; run < runs; run++) {
    const queue = `cpu-${run}`;
    await system.load(queue, records, 100);
    const pid = system.brokerPid!;
    const before = cpuSecondsOf(pid);
    const threadsBefore = threadCpu(pid);
    const sysBefore = cpuSystemOf(pid);
    const membersBefore = process.cpuUsage();
    const brokerSwitches = switchesOf(pid);
    const membersSwitches = switchesOf(process.pid);
    const seconds = await profiled(`share-run${run + 1}`, () =>
      system.consume(queue, { records, size: 100, members, maxInFlight, handlerMs: 0, timeoutMs: 300_000 }),
    );
    const cpuUs = ((cpuSecondsOf(pid) - before) * 1e6) / records;
    const membersUsage = process.cpuUsage(membersBefore);
    const membersUs = (membersUsage.user + membersUsage.system) / records;
    const sys = (((cpuSystemOf(pid) - sysBefore) * 1e6) / records).toFixed(1);
    const switches = `main threads per 100 records: broker ${switchesPer100(pid, brokerSwitches)}, members ${switchesPer100(process.pid, membersSwitches)}`;
    const threads = [...threadCpu(pid)]
      .map(([name, s]) => [name, ((s - (threadsBefore.get(name) ?? 0)) * 1e6) / records] as const)
      .filter(([, us]) => us >= 0.5)
      .map(([name, us]) => `${name} ${us.toFixed(2)}`)
      .join(', ');
    process.stdout.write(
      `run ${run + 1}: ${members} members, maxInFlight ${maxInFlight}, ${flush}: broker CPU ${cpuUs.toFixed(2)} µs/record (system ${sys}), members CPU ${membersUs.toFixed(2)} µs/record (system ${(membersUsage.system / records).toFixed(1)}), ${Math.round(records / seconds)} acked records/s (load ${loadavg()[0]!.toFixed(1)}); by thread, µs/record: ${threads}; ${switches}\n`,
    );
  }
} finally {
  await system.stop();
}
