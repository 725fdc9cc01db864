// A broker process for bench/latency-trace.ts: the built broker (dist/) with its connection and wake-up
// paths wrapped (bench only, no product code changes) to record a timeline of what it did, plus
// event-loop delay and GC pauses, and per-record stages (append done, read for a fetch) of one topic.
// Usage: node bench/lib/traced-broker.ts <port> <dataDir> <out.json> [topic, default t]. On SIGTERM it stops the broker and writes the events to out.json.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { monoMs as now, Recorder, startTrace } from './latency-trace-hooks.js';

const [portArg, dataDir, out, topicArg] = process.argv.slice(2);
const tracedTopic = topicArg ?? 't';
const dist = join(import.meta.dirname, '..', '..', 'dist', 'src', 'broker');
const { Broker } = (await import(join(dist, 'broker.js'))) as typeof import('../../src/broker/broker.js');
const { Connection } = (await import(
  join(dist, 'transport', 'connection.js')
)) as typeof import('../../src/broker/transport/connection.js');
const { PartitionWaiters } = (await import(
  join(dist, 'fetch', 'waiters.js')
)) as typeof import('../../src/broker/fetch/waiters.js');
const { PartitionLog } = (await import(
  join(import.meta.dirname, '..', '..', 'dist', 'storage', 'index.js')
)) as typeof import('../../storage/index.js');

// Broker-side events are pushed into the trace's own list; GC, loop delay and schedstat come with it.
const stopTrace = startTrace({ sdkConnections: false });
const events = new Recorder();
// Per-record stages of the traced topic's partitions: [ms, stage, first offset, end offset].
const spans = new Recorder();
const NOTIFY = events.kind('notify');
const ARM = events.kind('arm');
const APPEND_START = spans.kind('append:start');
const APPEND = spans.kind('append');
const READ = spans.kind('read');
// Connections by a small number (recv:<n>, write:<n>), so the analysis can tell produce from fetch traffic.
const connectionIds = new WeakMap<object, { recv: number; write: number }>();
let nextConnectionId = 1;
/** The event kinds of a connection: recv:<n> and write:<n>. */
const connectionKinds = (c: object): { recv: number; write: number } => {
  let kinds = connectionIds.get(c);
  if (kinds === undefined) {
    const id = nextConnectionId++;
    kinds = { recv: events.kind(`recv:${id}`), write: events.kind(`write:${id}`) };
    connectionIds.set(c, kinds);
  }
  return kinds;
};

type AnyProto = Record<string, (...args: unknown[]) => unknown>;
const conn = Connection.prototype as unknown as AnyProto;
// Both read paths pass through received(bytes, decode): direct reads (onread) and 'data' events.
const received = conn.received!;
conn.received = function (this: object, bytes: unknown, decode: unknown) {
  events.push(now(), connectionKinds(this).recv, bytes as number);
  return received.call(this, bytes, decode);
};
const flush = conn.flush!;
conn.flush = function (this: object & { slots: Array<{ done: boolean; frame: Buffer[] | null }> }) {
  let bytes = 0;
  for (const s of this.slots) {
    if (!s.done) break;
    for (const c of s.frame ?? []) bytes += c.length;
  }
  if (bytes > 0) events.push(now(), connectionKinds(this).write, bytes);
  return flush.call(this);
};
// A FetchPush stream's frames are written outside flush() (Connection.pushFrame): the same write event.
const pushFrame = conn.pushFrame!;
conn.pushFrame = function (this: object, frame: unknown, ...rest: unknown[]) {
  let bytes = 0;
  for (const c of frame as Buffer[]) bytes += c.length;
  events.push(now(), connectionKinds(this).write, bytes);
  return pushFrame.call(this, frame, ...rest);
};
const waiters = PartitionWaiters.prototype as unknown as AnyProto;
const notify = waiters.notify!;
waiters.notify = function (this: { size: number }, ...args: unknown[]) {
  events.push(now(), NOTIFY, this.size);
  return notify.apply(this, args);
};
const register = waiters.register!;
waiters.register = function (this: unknown, ...args: unknown[]) {
  events.push(now(), ARM);
  return register.apply(this, args);
};

type Log = { topic: string };
type AppendResult = { baseOffset: number; lastOffset: number };
type ReadResult = { bytes: number; nextOffset: number };
const log = PartitionLog.prototype as unknown as {
  append: (this: Log, ...args: unknown[]) => Promise<AppendResult>;
  read: (this: Log, offset: number, ...rest: unknown[]) => Promise<ReadResult>;
  readNow: (this: Log, offset: number, ...rest: unknown[]) => ReadResult | null;
};
const append = log.append;
log.append = function (...args) {
  if (this.topic !== tracedTopic) return append.apply(this, args);
  const started = now();
  return append.apply(this, args).then((r) => {
    spans.push(started, APPEND_START, r.baseOffset, r.lastOffset + 1);
    spans.push(now(), APPEND, r.baseOffset, r.lastOffset + 1);
    return r;
  });
};
const read = log.read;
log.read = function (offset, ...rest) {
  if (this.topic !== tracedTopic) return read.call(this, offset, ...rest);
  return read.call(this, offset, ...rest).then((r) => {
    if (r.bytes > 0) spans.push(now(), READ, offset, r.nextOffset);
    return r;
  });
};
// A read served from memory in the call (round.ts readAll's usual path for a caught-up consumer).
const readNow = log.readNow;
log.readNow = function (offset, ...rest) {
  const r = readNow.call(this, offset, ...rest);
  if (r && r.bytes > 0 && this.topic === tracedTopic) spans.push(now(), READ, offset, r.nextOffset);
  return r;
};

const broker = new Broker({ dataDir: dataDir!, port: Number(portArg), flush: 'os' });
await broker.start();
process.on('SIGTERM', () => {
  void broker.stop().then(() => {
    const trace = stopTrace();
    writeFileSync(out!, JSON.stringify({ ...trace, events: events.events(), spans: spans.spans() }));
    process.exit(0);
  });
});
