// GC pauses of one process on the benches' monotonic clock (bench/lib/latency-trace-hooks.ts monoMs), for
// bench/latency-gc.ts. Loaded into every node process of a bench by NODE_OPTIONS="--import <this file>"
// with SLUICE_BENCH_GC_LOG=<dir>: each process writes <dir>/gc-<pid>.json when it exits normally (a
// process killed by a signal it does not handle writes nothing). Plain JavaScript: the broker runs without tsx.
import { writeFileSync } from 'node:fs';
import { PerformanceObserver, performance } from 'node:perf_hooks';

const dir = process.env.SLUICE_BENCH_GC_LOG;
if (dir) {
  const [s, ns] = process.hrtime();
  const offset = s * 1e3 + ns / 1e6 - performance.now();
  /** Flat: start (monotonic ms), duration ms, kind (perf_hooks gc kind: 1 minor, 2 major, 4 incremental, 8 weak callbacks). */
  const pauses = [];
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) pauses.push(e.startTime + offset, e.duration, e.detail?.kind ?? 0);
  });
  observer.observe({ entryTypes: ['gc'] });
  process.on('exit', () => {
    const role = process.argv.slice(1).join(' ');
    writeFileSync(`${dir}/gc-${process.pid}.json`, JSON.stringify({ pid: process.pid, role, pauses }));
  });
}
