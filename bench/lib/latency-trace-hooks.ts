// Timeline recording for the latency benches (bench only): a monotonic clock shared by every process
// on the machine, GC pauses, event-loop delay, and (optionally) the SDK connection's requests and
// response chunks, wrapped on the prototype so no product code changes.
import { readdirSync, readFileSync } from 'node:fs';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { Connection } from '../../src/client/connection.js';
import { Fetcher } from '../../src/client/consumer/fetcher.js';
import { Runner } from '../../src/client/consumer/runner.js';
import { PartitionQueue } from '../../src/client/producer/partition-queue.js';

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

/**
 * Rows of [monotonic ms, kind, a, b] kept in typed arrays (off the JS heap) with the kinds interned: a
 * recorded row leaves no object in the young generation, so recording does not lengthen the scavenges
 * the trace measures (an array per event survives until the next scavenge and is copied by it).
 */
export class Recorder {
  #at = new Float64Array(1 << 16);
  #kind = new Uint16Array(1 << 16);
  #a = new Float64Array(1 << 16);
  #b = new Float64Array(1 << 16);
  #n = 0;
  readonly #names: string[] = [];
  readonly #ids = new Map<string, number>();

  /** The id of a kind name (interned once). */
  kind(name: string): number {
    let id = this.#ids.get(name);
    if (id === undefined) {
      id = this.#names.push(name) - 1;
      this.#ids.set(name, id);
    }
    return id;
  }

  push(at: number, kind: number, a = 0, b = 0): void {
    if (this.#n === this.#at.length) this.#grow();
    const i = this.#n++;
    this.#at[i] = at;
    this.#kind[i] = kind;
    this.#a[i] = a;
    this.#b[i] = b;
  }

  #grow(): void {
    const grow = <T extends Float64Array | Uint16Array>(old: T, make: (n: number) => T): T => {
      const next = make(old.length * 2);
      next.set(old);
      return next;
    };
    this.#at = grow(this.#at, (n) => new Float64Array(n));
    this.#kind = grow(this.#kind, (n) => new Uint16Array(n));
    this.#a = grow(this.#a, (n) => new Float64Array(n));
    this.#b = grow(this.#b, (n) => new Float64Array(n));
  }

  events(): Trace['events'] {
    const out: Trace['events'] = [];
    for (let i = 0; i < this.#n; i++) out.push([this.#at[i]!, this.#names[this.#kind[i]!]!, this.#a[i]!]);
    return out;
  }

  spans(): Trace['spans'] {
    const out: Trace['spans'] = [];
    for (let i = 0; i < this.#n; i++) out.push([this.#at[i]!, this.#names[this.#kind[i]!]!, this.#a[i]!, this.#b[i]!]);
    return out;
  }
}

export interface Trace {
  /** [monotonic ms, kind, detail] */
  events: Array<[number, string, number]>;
  /**
   * Per-record stages: [monotonic ms, stage, first offset, end offset (exclusive)]. Producer: `commit` (the
   * records' batch taken into a produce request). Broker: `append` (append done), `read` (a read returned
   * them). Consumer: `absorb` (the fetch response or pushed frame holding them decoded into the partition buffer), `slice`
   * (decoded into messages for the handler).
   */
  spans: Array<[number, string, number, number]>;
  /** [monotonic ms at start, duration ms] */
  gc: Array<[number, number]>;
  loop: { p50: number; p99: number; max: number };
  /** Over the traced interval: CPU used and time spent waiting for a core, all threads. */
  sched: { cpuMs: number; waitMs: number };
  /** [monotonic ms at start, duration ms, kind] kept in gc as two columns; kinds counted here. */
  gcKinds: Record<string, number>;
}

/** A client process's part in the latency run (the broker's hooks are in traced-broker.ts). */
export type Role = 'producer' | 'consumer';

/** Per-record stage hooks of a client role, on the SDK's prototypes; returns the function that restores them. */
function hookRecordStages(role: Role, spans: Recorder): () => void {
  if (role === 'producer') {
    // Offsets are assigned in send order (one producer, one partition, no retries): the k-th record taken
    // into a request is offset k (the topic is fresh).
    const proto = PartitionQueue.prototype as unknown as { commit: (batches: Array<{ recordCount: number }>) => void };
    const commit = proto.commit;
    let next = 0;
    const COMMIT = spans.kind('commit');
    proto.commit = function (this: unknown, batches) {
      let n = 0;
      for (const b of batches) n += b.recordCount;
      spans.push(monoMs(), COMMIT, next, next + n);
      next += n;
      return commit.call(this, batches);
    };
    return () => {
      proto.commit = commit;
    };
  }
  // The consumer.
  type State = { fetchOffset: number };
  const fetcher = Fetcher.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
  const runner = Runner.prototype as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  // `buffer`: a fetch answer's or a pushed FetchPush frame's records of one partition into its buffer.
  const buffer = fetcher.buffer!;
  const takeBatch = runner.takeBatch!;
  const ABSORB = spans.kind('absorb');
  const SLICE = spans.kind('slice');
  fetcher.buffer = function (this: unknown, ...args: unknown[]) {
    const at = monoMs();
    const state = args[0] as State;
    const from = args[2] as number;
    const r = buffer.apply(this, args);
    if (state.fetchOffset > from) spans.push(at, ABSORB, from, state.fetchOffset);
    return r;
  };
  runner.takeBatch = function (this: unknown, ...args: unknown[]) {
    return takeBatch.apply(this, args).then((taken) => {
      // An array in older builds, MessageOffsets (src/client/consumer/message-offsets.ts) now: both have at().
      type Offsets = { length: number; at(index: number): number | undefined };
      const offsets = (taken as { batch: { offsets: Offsets } | null } | null)?.batch?.offsets;
      if (offsets && offsets.length > 0)
        spans.push(monoMs(), SLICE, offsets.at(0)!, offsets.at(offsets.length - 1)! + 1);
      return taken;
    });
  };
  return () => {
    fetcher.buffer = buffer;
    runner.takeBatch = takeBatch;
  };
}

export function startTrace(options: { sdkConnections: boolean; role?: Role }): () => Trace {
  const perfToMono = monoMs() - performance.now();
  const events = new Recorder();
  const spans = new Recorder();
  const unhookStages = options.role ? hookRecordStages(options.role, spans) : () => {};
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
    const requestKinds = new Map<unknown, number>();
    const RESP = events.kind('resp');
    proto.sendEncoded = function (this: unknown, ...args: unknown[]) {
      let kind = requestKinds.get(args[0]);
      if (kind === undefined)
        requestKinds.set(args[0], (kind = events.kind(`req:${(args[0] as { name: string }).name}`)));
      events.push(monoMs(), kind);
      return originals.sendEncoded.apply(this, args);
    };
    // onData(bytesRead, buffer): the SDK reads directly into its frame buffer (onread).
    proto.onData = function (this: unknown, bytesRead: unknown, buffer: unknown) {
      events.push(monoMs(), RESP, bytesRead as number);
      return originals.onData.call(this, bytesRead, buffer);
    };
  }
  return () => {
    observer.disconnect();
    eld.disable();
    Object.assign(proto, originals);
    unhookStages();
    const sched1 = schedTotals();
    const sched = { cpuMs: sched1.cpuMs - sched0.cpuMs, waitMs: sched1.waitMs - sched0.waitMs };
    return {
      events: events.events(),
      spans: spans.spans(),
      gc,
      gcKinds,
      sched,
      loop: { p50: eld.percentile(50) / 1e6, p99: eld.percentile(99) / 1e6, max: eld.max / 1e6 },
    };
  };
}
