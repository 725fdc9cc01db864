// Reading a broker process's resident memory and open files from /proc (Linux), for the scale benches.
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';

/** VmRSS of a process, MiB. */
export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
}

/** Open file descriptors of a process (sockets, segment and index files, pipes). */
export function openFiles(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** The 1-min load average, one decimal (the machine's 2 cores are shared with other engineers). */
export const load = (): string => loadavg()[0]!.toFixed(1);

/** Samples RSS every `everyMs` until stopped; returns the maximum seen (MiB). */
export function sampleRss(pid: number, everyMs = 100): { stop(): number; max(): number } {
  let max = 0;
  const take = () => {
    try {
      max = Math.max(max, rssMiB(pid));
    } catch {
      // the process exited
    }
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    max: () => max,
    stop() {
      clearInterval(timer);
      take();
      return max;
    },
  };
}

/** The sum over a process's threads of one field of /proc/<pid>/task/<tid>/schedstat (nanoseconds). */
function schedstatSum(pid: number, field: 0 | 1): number {
  let sum = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      sum += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ', 2)[field]);
    } catch {
      // the thread exited between the listing and the read
    }
  }
  return sum;
}

/**
 * CPU nanoseconds a process has run so far, all its threads (main, libuv pool, V8's GC helpers), from
 * /proc/<pid>/task/<tid>/schedstat: the scheduler's own count, not the 10 ms ticks of /proc/<pid>/stat.
 * Threads that already exited are not counted (Node's are alive for the process's life).
 */
export function cpuNanosOf(pid: number): number {
  return schedstatSum(pid, 0);
}

/**
 * Nanoseconds a process's threads have so far waited on a run queue, runnable but not running (the
 * second field of each thread's schedstat): what the machine's other work and its core count cost them.
 */
export function queuedNanosOf(pid: number): number {
  return schedstatSum(pid, 1);
}

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat (USER_HZ = 100). */
export function cpuSecondsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** CPU seconds of a process's threads, from /proc/<pid>/task/<tid>/stat (USER_HZ = 100). */
export interface ThreadCpu {
  /** The main thread (the event loop, all JavaScript). */
  mainUser: number;
  mainSystem: number;
  /**
   * Every other thread: libuv's pool (the broker's appends of more than 64 KiB, i.e. the page-cache copy of
   * its writes, nearly all system time) and V8's compiler and GC helpers (user time).
   */
  othersUser: number;
  othersSystem: number;
}

export function threadCpuOf(pid: number): ThreadCpu {
  const out: ThreadCpu = { mainUser: 0, mainSystem: 0, othersUser: 0, othersSystem: 0 };
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let fields: string[];
    try {
      fields = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    } catch {
      continue; // the thread exited between the listing and the read
    }
    const user = Number(fields[11]) / 100;
    const system = Number(fields[12]) / 100;
    if (Number(tid) === pid) {
      out.mainUser += user;
      out.mainSystem += system;
    } else {
      out.othersUser += user;
      out.othersSystem += system;
    }
  }
  return out;
}

/** Scheduler nanoseconds of a process's threads (/proc/<pid>/task/<tid>/schedstat): on a core, and runnable but queued. */
export interface ThreadSched {
  mainCpu: number;
  mainQueued: number;
  othersCpu: number;
  othersQueued: number;
}

export function threadSchedOf(pid: number): ThreadSched {
  const out: ThreadSched = { mainCpu: 0, mainQueued: 0, othersCpu: 0, othersQueued: 0 };
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let fields: string[];
    try {
      fields = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ', 2);
    } catch {
      continue; // the thread exited between the listing and the read
    }
    if (Number(tid) === pid) {
      out.mainCpu += Number(fields[0]);
      out.mainQueued += Number(fields[1]);
    } else {
      out.othersCpu += Number(fields[0]);
      out.othersQueued += Number(fields[1]);
    }
  }
  return out;
}

export interface MachineDuring {
  /** Share of all CPU time the hypervisor gave to other guests (steal), %, over the run. */
  stealPct: number;
  /** 1-min load average at the end of the run. */
  load: number;
  /** CPU (user + system) the run's processes used over the run, ms: this one plus the pids given. */
  cpuMs: number;
  /** The same per process, ms: this one first, then each of the pids given, in order. */
  processCpuMs: number[];
  /** Time the run's processes waited for a core (queuedNanosOf), ms, all of them over the run. */
  queuedMs: number;
}

/** The machine-wide `cpu` line of /proc/stat: [total ticks, steal ticks] (steal is the 8th value). */
function cpuTicks(): [number, number] {
  const values = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal guest guest_nice; guest time is already in user/nice.
  const total = values.slice(0, 8).reduce((a, b) => a + b, 0);
  return [total, values[7] ?? 0];
}

/**
 * Starts measuring steal time and the CPU of this process and of `pids` (the other processes of the run);
 * stop() (call it while they still run) gives steal share, load average and CPU used since the start.
 */
export function stealMeter(pids: number[]): { stop(): MachineDuring } {
  const [total0, steal0] = cpuTicks();
  const cpu = () => pids.map((pid) => cpuSecondsOf(pid) * 1e3);
  const own0 = process.cpuUsage();
  const others0 = cpu();
  const queued = () => [process.pid, ...pids].reduce((sum, pid) => sum + queuedNanosOf(pid), 0) / 1e6;
  const queued0 = queued();
  return {
    stop() {
      const [total1, steal1] = cpuTicks();
      const stealPct = total1 > total0 ? ((steal1 - steal0) / (total1 - total0)) * 100 : 0;
      const own = process.cpuUsage(own0);
      const others = cpu().map((ms, i) => ms - others0[i]!);
      const processCpuMs = [(own.user + own.system) / 1e3, ...others];
      return {
        stealPct,
        load: loadavg()[0]!,
        cpuMs: processCpuMs.reduce((sum, ms) => sum + ms, 0),
        processCpuMs,
        queuedMs: queued() - queued0,
      };
    },
  };
}

/**
 * Node flags for the bench's forked client processes (latency consumer, latency floor): the bench process's
 * own, so `node --single-threaded-gc --import tsx bench/quick.ts latency` runs producer and consumer alike
 * (and `--cpu-prof --cpu-prof-dir <dir>` profiles each of them).
 */
export function clientExecArgv(): string[] {
  const own = process.execArgv;
  return own.includes('tsx') ? own : ['--import', 'tsx', ...own];
}
