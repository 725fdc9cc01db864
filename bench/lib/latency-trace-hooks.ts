// Timeline recording for the latency benches (bench only): a monotonic clock shared by every process
// on the machine, GC pauses, event-loop delay, and (optionally) the SDK connection's requests and
// response chunks, wrapped on the prototype so no product code changes.
import { readdirSync, readFileSync } from 'node:fs';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { Connection } from '../../src/client/connection.js';

/** CLOCK_MONOTONIC in ms: comparable across processes of one machine (performance.now() is not). */
export function monoMs(): number {
  const [s, ns] = process.hrtime();
  return s * 1e3 + ns / 1e6;
}

/**
 * CPU time and run-queue wait (runnable but not running: waiting for a core) of every thread of this
 * process so far, ms, from /proc/self/task/<tid>/schedstat (Linux); threads that ended are not counted.
 */
export function schedTotals(): { cpuMs: number; waitMs: number } {
  let cpu = 0;
  let wait = 0;
  try {
    for (const tid of readdirSync('/proc/self/task')) {
      const [run, queued] = readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ');
      cpu += Number(run);
      wait += Number(queued);
    }
  } catch {
    return { cpuMs: Number.NaN, waitMs: Number.NaN };
  }
  return { cpuMs: cpu / 1e6, waitMs: wait / 1e6 };
}

export interface Trace {
  /** [monotonic ms, kind, detail] */
  events: Array<[number, string, number]>;
  /** [monotonic ms at start, duration ms] */
  gc: Array<[number, number]>;
  loop: { p50: number; p99: number; max: number };
  /** Over the traced interval: CPU used and time spent waiting for a core, all threads. */
  sched: { cpuMs: number; waitMs: number };
  /** [monotonic ms at start, duration ms, kind] kept in gc as two columns; kinds counted here. */
  gcKinds: Record<string, number>;
}

export function startTrace(options: { sdkConnections: boolean }): () => Trace {
  const perfToMono = monoMs() - performance.now();
  const events: Trace['events'] = [];
  const gc: Trace['gc'] = [];
  const gcKinds: Record<string, number> = {};
  const kindNames: Record<number, string> = { 1: 'minor', 2: 'major', 4: 'incremental', 8: 'weakcb' };
  const sched0 = schedTotals();
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gc.push([perfToMono + e.startTime, e.duration]);
      const kind = kindNames[(e as { detail?: { kind?: number } }).detail?.kind ?? 0] ?? 'other';
      gcKinds[kind] = (gcKinds[kind] ?? 0) + 1;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  const eld = monitorEventLoopDelay({ resolution: 1 });
  eld.enable();
  const proto = Connection.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
  const originals = { sendEncoded: proto.sendEncoded!, onData: proto.onData! };
  if (options.sdkConnections) {
    proto.sendEncoded = function (this: unknown, ...args: unknown[]) {
      events.push([monoMs(), `req:${(args[0] as { name: string }).name}`, 0]);
      return originals.sendEncoded.apply(this, args);
    };
    // onData(bytesRead, buffer): the SDK reads directly into its frame buffer (onread).
    proto.onData = function (this: unknown, bytesRead: unknown, buffer: unknown) {
      events.push([monoMs(), 'resp', bytesRead as number]);
      return originals.onData.call(this, bytesRead, buffer);
    };
  }
  return () => {
    observer.disconnect();
    eld.disable();
    Object.assign(proto, originals);
    const sched1 = schedTotals();
    const sched = { cpuMs: sched1.cpuMs - sched0.cpuMs, waitMs: sched1.waitMs - sched0.waitMs };
    return {
      events,
      gc,
      gcKinds,
      sched,
      loop: { p50: eld.percentile(50) / 1e6, p99: eld.percentile(99) / 1e6, max: eld.max / 1e6 },
    };
  };
}
