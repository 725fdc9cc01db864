// While a consumer replays large records, V8 may fall into a full collection every 20-50 ms at a small heap:
// Node 20's V8 counts external memory allocated since the last full collection (a replay's dead record
// copies, up to ~32 MiB between young collections) as old-generation growth, against a limit only a few MB
// above a small live heap (bench/README.md, "Node flags"). Replays then run at half their speed. The node
// flags that avoid it are the whole process's GC policy, not the SDK's to set, so the SDK watches for the
// pattern and names them once: one warning per process, at most.
//
// The watch runs while at least one replay stream of large records is open (fetcher.ts) and observes V8's
// collections (perf_hooks 'gc' entries: one per collection, delivered after it); after its warning, never again.
import { constants, type PerformanceEntry, PerformanceObserver } from 'node:perf_hooks';
import type { Logger } from '../logger.js';

/** What makes the warning: this many full collections within this time (a replay in that state runs 20-50 a second). */
export interface Storm {
  collections: number;
  withinMs: number;
}
export const STORM: Readonly<Storm> = Object.freeze({ collections: 20, withinMs: 2000 });

let observer: PerformanceObserver | null = null;
/** Open replay streams of large records. */
let watching = 0;
let warned = false;
/** Start times (performance.now() ms) of the full collections seen within the storm's time. */
const recent: number[] = [];

/**
 * A replay stream of large records opened: watches until the returned function is called (once). `storm`: what
 * makes the warning, as the call that starts the watch gives it (tests give a longer time: a full collection of a
 * large test heap takes longer).
 */
export function watchCollector(logger: Logger, storm: Readonly<Storm> = STORM): () => void {
  if (warned) return () => {};
  watching++;
  observer ??= observe(logger, storm);
  let done = false;
  return () => {
    if (done) return;
    done = true;
    watching--;
    if (watching === 0) stop();
  };
}

function observe(logger: Logger, storm: Readonly<Storm>): PerformanceObserver {
  const watcher = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (!isFullCollection(entry)) continue;
      recent.push(entry.startTime);
      while (recent[0]! < entry.startTime - storm.withinMs) recent.shift();
      if (recent.length >= storm.collections) return warn(logger, storm);
    }
  });
  watcher.observe({ entryTypes: ['gc'] });
  return watcher;
}

/** Whether a 'gc' entry is a full collection (its `detail.kind`, which Node 20's types do not declare). */
export function isFullCollection(entry: PerformanceEntry): boolean {
  const { detail } = entry as PerformanceEntry & { detail?: { kind?: number } };
  return detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR;
}

function stop(): void {
  observer?.disconnect();
  observer = null;
  recent.length = 0;
}

function warn(logger: Logger, storm: Readonly<Storm>): void {
  warned = true;
  stop();
  logger.warn('frequent full garbage collections while replaying large records: replays may run at half speed', {
    fullCollections: storm.collections,
    withinMs: storm.withinMs,
    remedy:
      "start node with --initial-old-space-size=128, or call v8.setFlagsFromString('--heap-growing-percent=300') at start-up (README, Tuning)",
  });
}
